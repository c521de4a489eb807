using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace Clustering.Jobs.Scheduling;

/// <summary>
/// When a schedule fires, in UTC. Three forms:
/// <c>@every 1h30m</c> (number+unit groups, units s m h d, 1 s to 366 days; the next run is exactly that long after
/// the given instant, so the interval is always whole seconds and any sub-second part of the instant is kept);
/// a macro (<c>@hourly @daily @midnight @weekly @monthly @yearly @annually</c>);
/// or five cron fields <c>minute hour day-of-month month day-of-week</c> with <c>* a a-b a,b */n a-b/n a/n</c>,
/// month names JAN-DEC, weekday names SUN-SAT, and Sunday as 0 or 7. Cron occurrences fall on second 0.
/// Days follow Vixie cron: when both day fields are restricted (neither starts with <c>*</c>) a day matches if
/// either does; otherwise it must match both, so <c>*</c> leaves the other field alone and <c>*/2</c> still restricts.
/// Parse refuses a rule that can never fire (<c>0 0 30 2 *</c>) instead of letting a job wait forever.
/// </summary>
public sealed class RecurrenceRule
{
    private sealed record Field(string Name, int Min, int Max, string[]? Names = null);

    private static readonly Field[] Fields =
    [
        new("minute", 0, 59),
        new("hour", 0, 23),
        new("day of month", 1, 31),
        new("month", 1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
        new("day of week", 0, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ];

    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@hourly"] = "0 * * * *", ["@daily"] = "0 0 * * *", ["@midnight"] = "0 0 * * *", ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *", ["@yearly"] = "0 0 1 1 *", ["@annually"] = "0 0 1 1 *",
    };

    private const long MaxIntervalSeconds = 366L * 24 * 3600;

    // The Gregorian calendar repeats dates and weekdays every 400 years (146097 days = 20871 weeks exactly), so a
    // search over 400 years either finds an occurrence or proves there is none: Parse checks once, NextAfter is bounded.
    private const int CycleYears = 400;
    private static readonly DateTime CycleCheckStart = new(2000, 1, 1);

    // Bit v set = value v allowed. Weekday 7 is folded into bit 0 (Sunday).
    private readonly ulong _minutes, _hours, _days, _months, _weekdays;
    private readonly bool _eitherDay; // both day fields restricted: Vixie's OR

    private RecurrenceRule(string text, TimeSpan? interval, ulong[] masks, bool eitherDay)
    {
        Text = text;
        Interval = interval;
        (_minutes, _hours, _days, _months, _weekdays) = (masks[0], masks[1], masks[2], masks[3], masks[4]);
        _eitherDay = eitherDay;
    }

    /// <summary>The rule as given, trimmed.</summary>
    public string Text { get; }

    /// <summary>The interval of an <c>@every</c> rule (whole seconds); null for calendar rules.</summary>
    public TimeSpan? Interval { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>Reads a rule; throws <see cref="ClusteringException"/> naming the rule, the field and the bad token.</summary>
    public static RecurrenceRule Parse(string text) =>
        TryParse(text, out var rule, out var error) ? rule : throw new ClusteringException(error);

    /// <summary>Reads a rule without throwing; <paramref name="error"/> is the message <see cref="Parse"/> would throw.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out RecurrenceRule? rule, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        error = Build(trimmed, out rule); // exactly one of the two is set
        if (rule is not null) return true;
        error = $"schedule \"{trimmed}\": {error}";
        return false;
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="after"/> (taken as UTC), with offset zero. Throws
    /// <see cref="ClusteringException"/> only when there is none before the year 10000.
    /// </summary>
    public DateTimeOffset NextAfter(DateTimeOffset after)
    {
        var from = after.UtcDateTime;
        if (Interval is { } interval)
        {
            if (from <= DateTime.MaxValue - interval) return new DateTimeOffset(from + interval, TimeSpan.Zero);
        }
        else
        {
            // The first candidate is the next whole minute strictly after `after`.
            var ticks = from.Ticks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute + TimeSpan.TicksPerMinute;
            if (ticks <= DateTime.MaxValue.Ticks && Search(new DateTime(ticks)) is { } next) return new DateTimeOffset(next, TimeSpan.Zero);
        }
        throw new ClusteringException($"schedule \"{Text}\": no occurrence after {after:O} before the year 10000");
    }

    // Walks year → month → day → hour, skipping whole units that cannot match; only the first pass of each loop
    // starts mid-unit, and every step to the next unit resets the finer ones.
    private DateTime? Search(DateTime from)
    {
        int lastYear = Math.Min(from.Year + CycleYears, DateTime.MaxValue.Year);
        int month = from.Month, day = from.Day, hour = from.Hour, minute = from.Minute;
        for (int year = from.Year; year <= lastYear; year++, month = 1, day = 1, hour = 0, minute = 0)
        {
            for (; month <= 12; month++, day = 1, hour = 0, minute = 0)
            {
                if (!Has(_months, month)) continue;
                for (int days = DateTime.DaysInMonth(year, month); day <= days; day++, hour = 0, minute = 0)
                {
                    if (!DayMatches(year, month, day)) continue;
                    for (; hour <= 23; hour++, minute = 0)
                    {
                        var later = Has(_hours, hour) ? _minutes >> minute : 0;
                        if (later != 0) return new DateTime(year, month, day, hour, minute + BitOperations.TrailingZeroCount(later), 0);
                    }
                }
            }
        }
        return null;
    }

    private bool DayMatches(int year, int month, int day)
    {
        bool dom = Has(_days, day), dow = Has(_weekdays, (int)new DateTime(year, month, day).DayOfWeek);
        return _eitherDay ? dom || dow : dom && dow;
    }

    private static bool Has(ulong mask, int value) => (mask >> value & 1) != 0;

    // Returns the reason the (trimmed) text is not a rule, without the "schedule" prefix, or null and the rule.
    private static string? Build(string text, out RecurrenceRule? rule)
    {
        rule = null;
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0) return "empty; give @every <duration>, a macro such as @daily, or 5 cron fields (minute hour day-of-month month day-of-week)";
        if (tokens[0].StartsWith('@'))
        {
            if (tokens[0].Equals("@every", StringComparison.OrdinalIgnoreCase))
            {
                if (tokens.Length != 2) return "@every takes one duration without spaces, such as 90s, 1h30m or 2d";
                if (ParseDuration(tokens[1], out var interval) is { } bad) return bad;
                rule = new RecurrenceRule(text, interval, new ulong[5], eitherDay: false);
                return null;
            }
            if (!Macros.TryGetValue(tokens[0], out var cron))
                return $"unknown macro \"{tokens[0]}\"; known: @every <duration>, {string.Join(", ", Macros.Keys)}";
            if (tokens.Length > 1) return $"{tokens[0]} takes nothing after it";
            tokens = cron.Split(' ');
        }
        if (tokens.Length != Fields.Length) return $"expected 5 fields (minute hour day-of-month month day-of-week), found {tokens.Length}";

        var masks = new ulong[Fields.Length];
        for (int i = 0; i < Fields.Length; i++)
        {
            if (ParseField(tokens[i], Fields[i], out masks[i]) is { } bad) return $"field {i + 1} ({Fields[i].Name}) {bad}";
        }
        masks[4] = (masks[4] | masks[4] >> 7) & 0x7F;
        var candidate = new RecurrenceRule(text, null, masks, eitherDay: tokens[2][0] != '*' && tokens[4][0] != '*');
        if (candidate.Search(CycleCheckStart) is null) return "never fires (no day in a whole 400-year calendar cycle matches its day and month fields)";
        rule = candidate;
        return null;
    }

    private static string? ParseField(string token, Field field, out ulong mask)
    {
        mask = 0;
        foreach (var item in token.Split(','))
        {
            if (item.Length == 0) return $"\"{token}\" has an empty list item";
            var parts = item.Split('/');
            if (parts.Length > 2) return $"\"{item}\" has more than one step";
            var range = parts[0];
            int lo = field.Min, hi = field.Max, step = 1;
            if (range != "*")
            {
                var ends = range.Split('-');
                if (ends.Length > 2 || ends.Any(e => e.Length == 0)) return $"\"{item}\" is not a value or a range a-b";
                if (ParseValue(ends[0], field, out lo) is { } bad) return bad;
                // A single value is itself, or with a step ("a/n") it runs to the field's end.
                if (ends.Length == 1) hi = parts.Length == 2 ? field.Max : lo;
                else if (ParseValue(ends[1], field, out hi) is { } badEnd) return badEnd;
                if (lo > hi) return $"\"{range}\" is a backwards range ({lo} > {hi})";
            }
            int width = field.Max - field.Min + 1;
            if (parts.Length == 2 && !(int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) && step >= 1 && step <= width))
                return $"\"{item}\": the step must be a whole number from 1 to {width}, not \"{parts[1]}\"";
            for (int v = lo; v <= hi; v += step) mask |= 1UL << v;
        }
        return null;
    }

    private static string? ParseValue(string token, Field field, out int value)
    {
        if (token.All(char.IsAsciiDigit))
        {
            // More than 4 digits is out of range anyway; this keeps int.Parse from overflowing.
            value = token.Length <= 4 ? int.Parse(token, CultureInfo.InvariantCulture) : int.MaxValue;
            return value >= field.Min && value <= field.Max ? null : $"\"{token}\" is out of range {field.Min}-{field.Max}";
        }
        value = field.Names is null ? -1 : Array.FindIndex(field.Names, n => n.Equals(token, StringComparison.OrdinalIgnoreCase));
        if (value >= 0)
        {
            value += field.Min; // JAN = 1, SUN = 0
            return null;
        }
        return field.Names is null
            ? $"\"{token}\" is not a number"
            : $"\"{token}\" is not a number or a {field.Name} name ({field.Names[0]}-{field.Names[^1]})";
    }

    private static string? ParseDuration(string token, out TimeSpan interval)
    {
        interval = default;
        long seconds = 0;
        for (int i = 0; i < token.Length; i++)
        {
            int start = i;
            while (i < token.Length && char.IsAsciiDigit(token[i])) i++;
            if (i == start) return $"duration \"{token}\" is not number+unit groups such as 90s, 1h30m or 2d";
            if (i == token.Length) return $"duration \"{token}\" has no unit after {token[start..]} (use s, m, h or d)";
            long unit = token[i] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 24 * 3600, _ => 0 };
            if (unit == 0) return $"duration \"{token}\" has unknown unit \"{token[i]}\" (use s, m, h or d)";
            // The number is capped before multiplying, so no run of digits can overflow.
            if (!long.TryParse(token.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                || n > MaxIntervalSeconds || (seconds += n * unit) > MaxIntervalSeconds)
                return $"duration \"{token}\" is longer than 366 days";
        }
        if (seconds < 1) return $"duration \"{token}\" is shorter than 1 second";
        interval = TimeSpan.FromSeconds(seconds);
        return null;
    }
}
