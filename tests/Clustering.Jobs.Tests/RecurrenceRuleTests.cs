using System.Globalization;
using Clustering.Jobs.Scheduling;

namespace Clustering.Jobs.Tests;

public sealed class RecurrenceRuleTests
{
    // Lists, ranges, steps, names (any case), Vixie's both-day OR, Sunday as 0 and 7, Feb 29, month ends, year ends.
    public static TheoryData<string> OracleRules =>
    [
        "* * * * *", "*/15 * * * *", "0 * * * *", "30 2 * * *", "5,10,50-55 * * * *", "0-10/3 */5 * * *",
        "7/20 * * * *", "1-59/2 0 * * *", "*/7 */5 */3 */2 *", "0 0,12 */10 * *", "0 0 1-31/10 * *",
        "0 9-17 * * MON-FRI", "0 9 * * 1-5", "0 22 * * 1-5/2", "45 23 * * 6", "5 4 * * sun",
        "0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 * * 0,7", "0 0 * * 5-7", "0 0 * DEC SAT,SUN",
        "15 14 1 * *", "0 0 31 * *", "0 0 30 * *", "30 * 30,31 4,6,9,11 *", "0 0 31 1-12/2 *", "0 12 28-31 2 *",
        "59 23 31 12 *", "0 0 1 1 *", "0 0 29 2 *", "0 0 * JAN,JUL *", "0 0 1 jan-mar/2 *", "0 0 * FEB MON",
        "0 0 13 * 5", "0 0 1,15 * 3", "0 0,12 1-7 * MON", "0 6 29 2 SUN", "0 0 15 */4 FRI", "0 0 31 4 MON",
        "0 0 */2 * 1", "0 0 1 * */3", "0 0 */30 2 *",
        "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually",
    ];

    [Theory]
    [MemberData(nameof(OracleRules))]
    public void NextAfter_matches_a_minute_by_minute_scan(string text)
    {
        var rule = RecurrenceRule.Parse(text);
        var naive = new NaiveCron(text);
        var random = new Random(text.Aggregate(17, (h, c) => h * 31 + c)); // string.GetHashCode differs per process
        long budget = 16_000_000; // minutes the naive scan may walk per rule: ~0.15 s; Feb 29 still gets ~10 comparisons
        int compared = 0;
        while (compared < 150 && budget > 0)
        {
            // From a random instant, then along the chain: from an occurrence itself the next one must be later.
            var t = RandomInstant(random);
            for (int step = 0; step < 3 && budget > 0; step++, compared++)
            {
                var expected = naive.NextAfter(t, ref budget);
                var actual = rule.NextAfter(t);
                Assert.True(expected == actual && actual.Offset == TimeSpan.Zero, $"\"{text}\" after {t:O}: expected {expected:O}, got {actual:O}");
                t = actual;
            }
        }
        Assert.True(compared >= 6, $"\"{text}\": only {compared} comparisons");
    }

    [Theory]
    [InlineData("@daily", "2026-11-22T10:15:00Z", "2026-11-23T00:00:00Z")]
    [InlineData("*/15 * * * *", "2026-11-22T10:15:00Z", "2026-11-22T10:30:00Z")] // strictly after
    [InlineData("*/15 * * * *", "2026-11-22T10:14:59.9999999Z", "2026-11-22T10:15:00Z")]
    [InlineData("*/15 * * * *", "2026-11-22T10:15:00.0000001Z", "2026-11-22T10:30:00Z")]
    [InlineData("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z")] // 2100 is not a leap year
    [InlineData("0 9 * * MON-FRI", "2026-11-27T09:00:00Z", "2026-11-30T09:00:00Z")] // Friday → Monday
    [InlineData("0 0 * * 7", "2026-11-27T09:00:00Z", "2026-11-29T00:00:00Z")] // Friday → Sunday
    [InlineData("@weekly", "2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z")] // Sunday → Sunday
    [InlineData("0 0 13 * 5", "2026-11-01T00:00:00Z", "2026-11-06T00:00:00Z")] // a Friday, not the 13th
    [InlineData("0 0 13 * 5", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z")] // the 13th, a Sunday
    [InlineData("0 0 31 4 MON", "2026-04-01T00:00:00Z", "2026-04-06T00:00:00Z")] // no April 31, but Mondays
    [InlineData("0 6 29 2 */7", "2088-03-01T00:00:00Z", "2128-02-29T06:00:00Z")] // Feb 29 that is a Sunday: 40 years
    [InlineData("0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z")]
    [InlineData("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z")]
    [InlineData("@yearly", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z")]
    [InlineData("@monthly", "2026-11-30T23:30:00-02:00", "2027-01-01T00:00:00Z")] // that is Dec 1 01:30 UTC
    [InlineData("0 12 * * *", "2026-11-22T13:00:00+05:00", "2026-11-22T12:00:00Z")]
    [InlineData("* * * * *", "9999-12-31T23:58:30Z", "9999-12-31T23:59:00Z")]
    public void NextAfter_gives_hand_checked_instants(string text, string after, string expected)
    {
        var next = RecurrenceRule.Parse(text).NextAfter(Instant(after));
        Assert.Equal((Instant(expected), TimeSpan.Zero), (next, next.Offset));
    }

    [Theory]
    [InlineData("@every 90s", 90)]
    [InlineData("@every 1h30m", 5400)]
    [InlineData("@every 2d", 172800)]
    [InlineData("@every 1d12h", 129600)]
    [InlineData("@every 1s", 1)]
    [InlineData("@every 366d", 31622400)]
    [InlineData("  @EVERY   45m  ", 2700)]
    public void Every_adds_its_interval_to_the_instant(string text, int seconds)
    {
        var rule = RecurrenceRule.Parse(text);
        Assert.Equal((text.Trim(), TimeSpan.FromSeconds(seconds)), (rule.Text, rule.Interval));
        var next = rule.NextAfter(Instant("2026-11-22T10:15:00.25+01:00"));
        Assert.Equal((Instant("2026-11-22T09:15:00.25Z").AddSeconds(seconds), TimeSpan.Zero), (next, next.Offset));
    }

    [Fact]
    public void Calendar_rules_have_no_interval_and_keep_their_text()
    {
        var rule = RecurrenceRule.Parse("  0 0 29 2 *\t");
        Assert.Equal(("0 0 29 2 *", (TimeSpan?)null, "0 0 29 2 *"), (rule.Text, rule.Interval, rule.ToString()));
        Assert.True(RecurrenceRule.TryParse("@midnight", out var midnight, out var error));
        Assert.Equal(("@midnight", (string?)null), (midnight.Text, error));
    }

    [Fact]
    public void NextAfter_refuses_to_pass_the_year_10000()
    {
        var e = Assert.Throws<ClusteringException>(() => RecurrenceRule.Parse("* * * * *").NextAfter(Instant("9999-12-31T23:59:00Z")));
        Assert.Equal("schedule \"* * * * *\": no occurrence after 9999-12-31T23:59:00.0000000+00:00 before the year 10000", e.Message);
        Assert.Throws<ClusteringException>(() => RecurrenceRule.Parse("@every 1h").NextAfter(DateTimeOffset.MaxValue));
        Assert.Throws<ClusteringException>(() => RecurrenceRule.Parse("0 0 29 2 *").NextAfter(Instant("9996-03-01T00:00:00Z")));
    }

    [Theory]
    [InlineData("", "empty; give @every <duration>, a macro such as @daily, or 5 cron fields (minute hour day-of-month month day-of-week)")]
    [InlineData("  \t ", "empty; give @every <duration>, a macro such as @daily, or 5 cron fields (minute hour day-of-month month day-of-week)")]
    [InlineData("0 0 * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4")]
    [InlineData("0 0 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6")]
    [InlineData("60 * * * *", "field 1 (minute) \"60\" is out of range 0-59")]
    [InlineData("* 24 * * *", "field 2 (hour) \"24\" is out of range 0-23")]
    [InlineData("0 0 32 * *", "field 3 (day of month) \"32\" is out of range 1-31")]
    [InlineData("0 0 0 * *", "field 3 (day of month) \"0\" is out of range 1-31")]
    [InlineData("0 0 * 1,13 *", "field 4 (month) \"13\" is out of range 1-12")]
    [InlineData("0 0 * * 8", "field 5 (day of week) \"8\" is out of range 0-7")]
    [InlineData("0 0 * * 99999999999", "field 5 (day of week) \"99999999999\" is out of range 0-7")]
    [InlineData("x * * * *", "field 1 (minute) \"x\" is not a number")]
    [InlineData("0 1.5 * * *", "field 2 (hour) \"1.5\" is not a number")]
    [InlineData("0 0 MON * *", "field 3 (day of month) \"MON\" is not a number")]
    [InlineData("0 5-3 * * *", "field 2 (hour) \"5-3\" is a backwards range (5 > 3)")]
    [InlineData("0 0 * * FRI-MON", "field 5 (day of week) \"FRI-MON\" is a backwards range (5 > 1)")]
    [InlineData("*/0 * * * *", "field 1 (minute) \"*/0\": the step must be a whole number from 1 to 60, not \"0\"")]
    [InlineData("*/-5 * * * *", "field 1 (minute) \"*/-5\": the step must be a whole number from 1 to 60, not \"-5\"")]
    [InlineData("0 1-5/0 * * *", "field 2 (hour) \"1-5/0\": the step must be a whole number from 1 to 24, not \"0\"")]
    [InlineData("0 0 * */13 *", "field 4 (month) \"*/13\": the step must be a whole number from 1 to 12, not \"13\"")]
    [InlineData("-5 * * * *", "field 1 (minute) \"-5\" is not a value or a range a-b")]
    [InlineData("1-2-3 * * * *", "field 1 (minute) \"1-2-3\" is not a value or a range a-b")]
    [InlineData("1,,2 * * * *", "field 1 (minute) \"1,,2\" has an empty list item")]
    [InlineData("*/2/3 * * * *", "field 1 (minute) \"*/2/3\" has more than one step")]
    [InlineData("0 0 * FOO *", "field 4 (month) \"FOO\" is not a number or a month name (JAN-DEC)")]
    [InlineData("0 0 * JANUARY *", "field 4 (month) \"JANUARY\" is not a number or a month name (JAN-DEC)")]
    [InlineData("0 0 * * FUN", "field 5 (day of week) \"FUN\" is not a number or a day of week name (SUN-SAT)")]
    [InlineData("@fortnightly", "unknown macro \"@fortnightly\"; known: @every <duration>, @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually")]
    [InlineData("@daily 5", "@daily takes nothing after it")]
    [InlineData("@every", "@every takes one duration without spaces, such as 90s, 1h30m or 2d")]
    [InlineData("@every 1h 30m", "@every takes one duration without spaces, such as 90s, 1h30m or 2d")]
    [InlineData("@every 90", "duration \"90\" has no unit after 90 (use s, m, h or d)")]
    [InlineData("@every 1h30", "duration \"1h30\" has no unit after 30 (use s, m, h or d)")]
    [InlineData("@every 0s", "duration \"0s\" is shorter than 1 second")]
    [InlineData("@every 0h0m", "duration \"0h0m\" is shorter than 1 second")]
    [InlineData("@every 367d", "duration \"367d\" is longer than 366 days")]
    [InlineData("@every 366d1s", "duration \"366d1s\" is longer than 366 days")]
    [InlineData("@every 99999999999999999999999s", "duration \"99999999999999999999999s\" is longer than 366 days")]
    [InlineData("@every 5x", "duration \"5x\" has unknown unit \"x\" (use s, m, h or d)")]
    [InlineData("@every 1.5h", "duration \"1.5h\" has unknown unit \".\" (use s, m, h or d)")]
    [InlineData("@every abc", "duration \"abc\" is not number+unit groups such as 90s, 1h30m or 2d")]
    [InlineData("0 0 30 2 *", "never fires (no day in a whole 400-year calendar cycle matches its day and month fields)")]
    [InlineData("0 0 31 4 *", "never fires (no day in a whole 400-year calendar cycle matches its day and month fields)")]
    [InlineData("0 0 31 2,4,6,9,11 *", "never fires (no day in a whole 400-year calendar cycle matches its day and month fields)")]
    [InlineData("0 0 30-31 FEB */2", "never fires (no day in a whole 400-year calendar cycle matches its day and month fields)")]
    public void A_bad_rule_is_refused_naming_the_rule_the_field_and_the_token(string text, string reason)
    {
        var message = $"schedule \"{text.Trim()}\": {reason}";
        Assert.Equal(message, Assert.Throws<ClusteringException>(() => RecurrenceRule.Parse(text)).Message);
        Assert.False(RecurrenceRule.TryParse(text, out var rule, out var error));
        Assert.Equal((null, message), (rule, error));
    }

    private static DateTimeOffset Instant(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private static readonly TimeSpan[] Offsets = [TimeSpan.Zero, TimeSpan.FromHours(5.5), TimeSpan.FromHours(-8), TimeSpan.FromHours(14)];

    // 2020-2079, sometimes on a whole minute, sometimes in the last minute of a month or year, in a random offset.
    private static DateTimeOffset RandomInstant(Random random)
    {
        var utc = new DateTime(2020, 1, 1).AddTicks(random.NextInt64(TimeSpan.TicksPerDay * 365 * 60));
        var end = new DateTime(utc.Year, random.Next(3) == 0 ? 12 : utc.Month, 1).AddMonths(1).AddSeconds(-random.Next(1, 120));
        utc = random.Next(4) switch
        {
            0 => utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMinute)),
            1 => end,
            _ => utc,
        };
        return new DateTimeOffset(utc, TimeSpan.Zero).ToOffset(Offsets[random.Next(Offsets.Length)]);
    }

    /// <summary>
    /// The reference: each field read into a set of allowed values in the simplest way, then every minute from
    /// <c>after</c> on tested until one matches. Slow on purpose, nothing clever to share bugs with.
    /// </summary>
    private sealed class NaiveCron
    {
        private static readonly Dictionary<string, string> Macros = new()
        {
            ["@hourly"] = "0 * * * *", ["@daily"] = "0 0 * * *", ["@midnight"] = "0 0 * * *", ["@weekly"] = "0 0 * * 0",
            ["@monthly"] = "0 0 1 * *", ["@yearly"] = "0 0 1 1 *", ["@annually"] = "0 0 1 1 *",
        };
        private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
        private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

        private readonly HashSet<int> _minute, _hour, _dom, _month, _dow;
        private readonly bool _either;

        public NaiveCron(string text)
        {
            var f = Macros.GetValueOrDefault(text, text).Split(' ');
            _minute = Values(f[0], 0, 59, null, 0);
            _hour = Values(f[1], 0, 23, null, 0);
            _dom = Values(f[2], 1, 31, null, 0);
            _month = Values(f[3], 1, 12, MonthNames, 1);
            _dow = Values(f[4], 0, 7, DayNames, 0);
            if (_dow.Contains(7)) _dow.Add(0);
            _either = !f[2].StartsWith('*') && !f[4].StartsWith('*');
        }

        private static HashSet<int> Values(string field, int min, int max, string[]? names, int firstName)
        {
            int Value(string s) => int.TryParse(s, out var n) ? n : Array.IndexOf(names!, s.ToUpperInvariant()) + firstName;
            var set = new HashSet<int>();
            foreach (var item in field.Split(','))
            {
                var parts = item.Split('/');
                int step = parts.Length == 2 ? int.Parse(parts[1]) : 1;
                int lo, hi;
                if (parts[0] == "*") (lo, hi) = (min, max);
                else if (parts[0].Contains('-')) (lo, hi) = (Value(parts[0].Split('-')[0]), Value(parts[0].Split('-')[1]));
                else (lo, hi) = (Value(parts[0]), parts.Length == 2 ? max : Value(parts[0]));
                for (int v = lo; v <= hi; v += step) set.Add(v);
            }
            return set;
        }

        private bool Matches(DateTime t)
        {
            bool dom = _dom.Contains(t.Day), dow = _dow.Contains((int)t.DayOfWeek);
            return _minute.Contains(t.Minute) && _hour.Contains(t.Hour) && _month.Contains(t.Month) && (_either ? dom || dow : dom && dow);
        }

        public DateTimeOffset NextAfter(DateTimeOffset after, ref long budget)
        {
            var t = after.UtcDateTime;
            t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0).AddMinutes(1);
            for (; !Matches(t); t = t.AddMinutes(1)) budget--;
            return new DateTimeOffset(t, TimeSpan.Zero);
        }
    }
}
