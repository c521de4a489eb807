using System.Globalization;
using System.Xml;

namespace Clustering.Storage.Azure;

/// <summary>
/// One page of List Blobs, read as it streams in:
/// <code>
/// &lt;EnumerationResults&gt;&lt;Blobs&gt;
///   &lt;Blob&gt;&lt;Name&gt;k&lt;/Name&gt;&lt;Properties&gt;&lt;Last-Modified&gt;RFC1123&lt;/Last-Modified&gt;&lt;Etag&gt;0x..&lt;/Etag&gt;&lt;Content-Length&gt;n&lt;/Content-Length&gt;...&lt;/Properties&gt;&lt;/Blob&gt;
/// &lt;/Blobs&gt;&lt;NextMarker&gt;m&lt;/NextMarker&gt;&lt;/EnumerationResults&gt;
/// </code>
/// </summary>
internal static class ListBlobsResponse
{
    public static async Task<(List<BlobItem> Items, string? NextMarker)> ReadAsync(Stream body, string source, CancellationToken cancellationToken)
    {
        var items = new List<BlobItem>();
        string? nextMarker = null;
        var settings = new XmlReaderSettings { Async = true, DtdProcessing = DtdProcessing.Prohibit, IgnoreWhitespace = true };
        using var reader = XmlReader.Create(body, settings);
        bool inBlob = false;
        string? name = null, etag = null;
        long length = -1;
        DateTimeOffset modified = default;
        try
        {
            await reader.MoveToContentAsync().ConfigureAwait(false);
            while (!reader.EOF)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reader.NodeType == XmlNodeType.Element)
                {
                    switch (reader.LocalName)
                    {
                        case "Blob":
                            inBlob = true;
                            name = etag = null;
                            length = -1;
                            modified = default;
                            break;
                        case "Name" when inBlob:
                            var encoded = reader.GetAttribute("Encoded") == "true";
                            name = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                            if (encoded) name = Uri.UnescapeDataString(name);
                            continue;
                        case "Etag" when inBlob:
                            etag = Quoted(await reader.ReadElementContentAsStringAsync().ConfigureAwait(false));
                            continue;
                        case "Content-Length" when inBlob:
                            var text = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length))
                                throw new InputFormatException(source, name, $"Content-Length '{text}' is not a size");
                            continue;
                        case "Last-Modified" when inBlob:
                            var date = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                            if (!DateTimeOffset.TryParseExact(date, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out modified))
                                throw new InputFormatException(source, name, $"Last-Modified '{date}' is not an RFC 1123 date");
                            continue;
                        case "NextMarker" when !inBlob:
                            nextMarker = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                            continue;
                    }
                }
                else if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "Blob")
                {
                    if (name is null || etag is null || length < 0)
                        throw new InputFormatException(source, name ?? $"blob {items.Count + 1}", "a listed blob lacks its Name, Etag or Content-Length");
                    items.Add(new BlobItem(name, length, etag, modified));
                    inBlob = false;
                }
                await reader.ReadAsync().ConfigureAwait(false);
            }
        }
        catch (XmlException e)
        {
            throw new InputFormatException(source, $"line {e.LineNumber}, column {e.LinePosition}", $"the List Blobs answer is not valid XML: {e.Message}");
        }
        return (items, string.IsNullOrEmpty(nextMarker) ? null : nextMarker);
    }

    /// <summary>Listings give ETags bare (0x8D...), headers quoted ("0x8D..."): one form for both.</summary>
    public static string Quoted(string etag) => etag.StartsWith('"') ? etag : $"\"{etag}\"";
}
