using System.Globalization;

namespace Clustering;

/// <summary>
/// How many bad records (bad lines, texts the model cannot take, rows that cannot be read) a job may have and still succeed, like the
/// data tools' max_bad_records: a count ("100") or a share of all records ("10%", "0.5%"). Over it the job fails
/// with the counts, so a corpus that is mostly bad never ends in `_SUCCESS`.
/// </summary>
public readonly record struct BadRecordBudget(long? Count, double? Percent)
{
    public const string Default = "10%";

    public static BadRecordBudget Parse(string? text)
    {
        text = string.IsNullOrWhiteSpace(text) ? Default : text.Trim();
        if (text.EndsWith('%'))
        {
            if (double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100)
                return new BadRecordBudget(null, p);
        }
        else if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return new BadRecordBudget(n, null);
        }
        throw new ClusteringException($"--max-bad-records: '{text}' is not a whole number of records or a percentage from 0% to 100% (e.g. 100 or 10%)");
    }

    /// <summary>Null when <paramref name="bad"/> of <paramref name="total"/> records is within the budget; else why not, with the counts.</summary>
    public string? Exceeded(long bad, long total)
    {
        if (Count is long n)
            return bad > n ? $"{bad} bad records of {total} is over --max-bad-records {n}" : null;
        var share = total == 0 ? 0 : 100.0 * bad / total;
        return share > Percent!.Value
            ? $"{bad} bad records of {total} ({share.ToString("0.##", CultureInfo.InvariantCulture)}%) is over --max-bad-records {Percent.Value.ToString(CultureInfo.InvariantCulture)}%"
            : null;
    }
}
