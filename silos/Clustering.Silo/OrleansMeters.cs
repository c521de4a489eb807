using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Clustering.Silo;

/// <summary>
/// The Orleans runtime's own meters (System.Diagnostics.Metrics, meter "Microsoft.Orleans": activations, messages,
/// request latency, membership, directory...) in the Prometheus text /metrics writes, beside ours. A listener adds up
/// counters as they are recorded; observable instruments are read at scrape time. Names become
/// <c>orleans_catalog_activations</c> from <c>orleans-catalog-activations</c>; counters get <c>_total</c>, histograms
/// are written as summaries (<c>_sum</c>, <c>_count</c>; no buckets, so no quantiles), up-down counters and gauges as gauges.
/// </summary>
public sealed class OrleansMeters : IDisposable
{
    public const string MeterName = "Microsoft.Orleans";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    // Scrapes read observable instruments through the one listener; two at once would mix their values.
    private readonly Lock _scrape = new();

    public OrleansMeters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != MeterName) return;
            _series.TryAdd(instrument, new Series(instrument));
            listener.EnableMeasurementEvents(instrument);
        };
        Subscribe<byte>(v => v);
        Subscribe<short>(v => v);
        Subscribe<int>(v => v);
        Subscribe<long>(v => v);
        Subscribe<float>(v => v);
        Subscribe<double>(v => v);
        Subscribe<decimal>(v => (double)v);
        _listener.Start();
    }

    private void Subscribe<T>(Func<T, double> toDouble) where T : struct =>
        _listener.SetMeasurementEventCallback<T>((instrument, value, tags, _) =>
        {
            if (_series.TryGetValue(instrument, out var series)) series.Record(toDouble(value), tags);
        });

    /// <summary>Appends every Orleans instrument that has a value, one HELP/TYPE block per metric name.</summary>
    public void Render(StringBuilder text)
    {
        lock (_scrape)
        {
            foreach (var s in _series.Values) s.ForgetObserved();
            _listener.RecordObservableInstruments();
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
                if (written.Add(s.Name)) s.Render(text); // two instruments of one name (none today): the first wins
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>One instrument's values by label set.</summary>
    private sealed class Series
    {
        private readonly Instrument _instrument;
        private readonly Kind _kind;
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

        public Series(Instrument instrument)
        {
            _instrument = instrument;
            _kind = KindOf(instrument);
            var name = "orleans_" + PrometheusName(instrument.Name.StartsWith("orleans-", StringComparison.Ordinal) ? instrument.Name["orleans-".Length..] : instrument.Name);
            Name = _kind == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
        }

        public string Name { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = _cells.GetOrAdd(Labels(tags), static _ => new Cell());
            lock (cell)
            {
                switch (_kind)
                {
                    case Kind.Counter when !_instrument.IsObservable:
                    case Kind.UpDown when !_instrument.IsObservable:
                        cell.Value += value;
                        break;
                    case Kind.Summary:
                        cell.Value += value;
                        cell.Count++;
                        break;
                    default: // observable instruments report their current value (a cumulative one for counters); gauges their last
                        cell.Value = value;
                        break;
                }
                cell.Seen = true;
            }
        }

        /// <summary>An observable series that stops reporting (a grain type no longer active) leaves the output.</summary>
        public void ForgetObserved()
        {
            if (_instrument.IsObservable) _cells.Clear();
        }

        public void Render(StringBuilder text)
        {
            var cells = _cells.Where(c => c.Value.Seen).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
            if (cells.Count == 0) return;
            var help = string.IsNullOrEmpty(_instrument.Description) ? "Orleans " + _instrument.Name : _instrument.Description;
            if (!string.IsNullOrEmpty(_instrument.Unit)) help += $" ({_instrument.Unit})";
            text.Append("# HELP ").Append(Name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(_kind switch { Kind.Counter => "counter", Kind.Summary => "summary", _ => "gauge" }).Append('\n');
            foreach (var (labels, cell) in cells)
            {
                double value;
                long count;
                lock (cell) (value, count) = (cell.Value, cell.Count);
                if (_kind == Kind.Summary)
                {
                    Sample(text, Name + "_sum", labels, value);
                    Sample(text, Name + "_count", labels, count);
                }
                else Sample(text, Name, labels, value);
            }
        }

        private static void Sample(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
            text.Append(' ').Append(double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf"
                : value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0) return "";
            var pairs = new List<KeyValuePair<string, object?>>(tags.Length);
            foreach (var t in tags) pairs.Add(t);
            pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            var text = new StringBuilder();
            foreach (var (key, value) in pairs)
            {
                if (text.Length > 0) text.Append(',');
                text.Append(PrometheusName(key)).Append("=\"")
                    .Append((Convert.ToString(value, CultureInfo.InvariantCulture) ?? "").Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n"))
                    .Append('"');
            }
            return text.ToString();
        }

        private static Kind KindOf(Instrument instrument)
        {
            var type = instrument.GetType();
            var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            if (generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>)) return Kind.Counter;
            if (generic == typeof(UpDownCounter<>) || generic == typeof(ObservableUpDownCounter<>)) return Kind.UpDown;
            if (generic == typeof(Histogram<>)) return Kind.Summary;
            return Kind.Gauge;
        }
    }

    /// <summary>Prometheus metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes '_'.</summary>
    private static string PrometheusName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_')) chars[i] = '_';
        var result = new string(chars);
        return result.Length > 0 && char.IsAsciiDigit(result[0]) ? "_" + result : result;
    }

    private enum Kind { Counter, UpDown, Summary, Gauge }

    private sealed class Cell
    {
        public double Value;
        public long Count;
        public bool Seen;
    }
}
