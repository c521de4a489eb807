using System.Globalization;
using System.Text;

namespace Clustering.Serving;

/// <summary>A Prometheus histogram with fixed upper bounds; lock-free to observe, read at scrape time.</summary>
public sealed class Histogram(double[] bounds)
{
    private readonly long[] _counts = new long[bounds.Length + 1]; // the last one is +Inf
    private long _count;
    private long _sumMicros; // sum in millionths of the unit: an integer so observing stays one Interlocked.Add

    public void Observe(double value)
    {
        var i = 0;
        while (i < bounds.Length && value > bounds[i]) i++;
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, (long)Math.Round(value * 1e6));
    }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Appends the _bucket (cumulative), _sum and _count lines; <paramref name="labels"/> like <c>model="m"</c> or empty.</summary>
    public void Render(StringBuilder text, string name, string labels)
    {
        var prefix = labels.Length == 0 ? "" : labels + ",";
        long cumulative = 0;
        for (var i = 0; i <= bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            var le = i < bounds.Length ? bounds[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
            text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"").Append(le).Append("\"} ")
                .Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        var braces = labels.Length == 0 ? "" : "{" + labels + "}";
        text.Append(name).Append("_sum").Append(braces).Append(' ')
            .Append((Interlocked.Read(ref _sumMicros) / 1e6).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        text.Append(name).Append("_count").Append(braces).Append(' ').Append(Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
