using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NatGateway.TestSupport;

/// <summary>One sample line of the Prometheus text format: <c>name{label="value",...} value</c>.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict little reader of the Prometheus text exposition format (version 0.0.4) for the metrics tests: every line is
/// a HELP, a TYPE or a sample, or the read fails naming the line. Enough to check values; <c>promtool check metrics</c>
/// (<see cref="Promtool"/>) is the reference check of the format itself.
/// </summary>
public sealed partial class PrometheusText
{
    public IReadOnlyDictionary<string, string> Types { get; }
    public IReadOnlyList<PrometheusSample> Samples { get; }

    private PrometheusText(Dictionary<string, string> types, List<PrometheusSample> samples)
    {
        Types = types;
        Samples = samples;
    }

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        foreach (var (line, number) in text.Split('\n').Select((l, i) => (l, i + 1)))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts.Length != 4 || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    throw new FormatException($"line {number}: bad TYPE: {line}");
                if (!types.TryAdd(parts[2], parts[3])) throw new FormatException($"line {number}: second TYPE for {parts[2]}");
                continue;
            }
            if (line.StartsWith('#')) continue;
            var m = SampleLine().Match(line);
            if (!m.Success) throw new FormatException($"line {number}: not a sample: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in Label().Matches(m.Groups["labels"].Value))
                labels[l.Groups[1].Value] = Regex.Unescape(l.Groups[2].Value);
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new PrometheusSample(m.Groups["name"].Value, labels, value));
        }
        return new PrometheusText(types, samples);
    }

    /// <summary>The family a sample belongs to (a histogram's <c>_bucket</c>, <c>_sum</c>, <c>_count</c> belong to it).</summary>
    public string FamilyOf(string sampleName)
    {
        if (Types.ContainsKey(sampleName)) return sampleName;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && Types.ContainsKey(sampleName[..^suffix.Length])) return sampleName[..^suffix.Length];
        return sampleName;
    }

    /// <summary>Every name a PromQL expression may use: the families and a histogram's series names.</summary>
    public ISet<string> SeriesNames() => Types.SelectMany(t => t.Value == "histogram"
        ? new[] { t.Key + "_bucket", t.Key + "_sum", t.Key + "_count" } : new[] { t.Key }).ToHashSet(StringComparer.Ordinal);

    /// <summary>The value of the one sample of <paramref name="name"/> with these labels (null when there is none).</summary>
    public double? Value(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))
            .Select(s => (double?)s.Value).SingleOrDefault();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*)\})? (?<value>[^ ]+)( -?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();

    /// <summary>Metric names a PromQL expression refers to: identifiers that are not functions, keywords, label names or
    /// durations (good enough for the expressions in deploy/: no string literals with metric-like words outside labels).</summary>
    public static IReadOnlyList<string> MetricNamesIn(string promql)
    {
        var withoutLabels = LabelMatchers().Replace(promql, "");
        withoutLabels = Grouping().Replace(withoutLabels, "");
        return Identifier().Matches(withoutLabels).Select(m => m.Value)
            .Where(n => !PromqlWords.Contains(n) && !Regex.IsMatch(n, "^[0-9]"))
            .Distinct().ToList();
    }

    private static readonly HashSet<string> PromqlWords = new(StringComparer.Ordinal)
    {
        "rate", "irate", "increase", "sum", "by", "without", "topk", "bottomk", "histogram_quantile", "time", "or", "and",
        "unless", "on", "ignoring", "group_left", "group_right", "max", "min", "avg", "count", "abs", "delta", "deriv",
        "avg_over_time", "max_over_time", "min_over_time", "le", "offset", "bool", "humanizePercentage",
    };

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\b(by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*(?!\w)")]
    private static partial Regex Identifier();
}

/// <summary>promtool (Debian's prometheus package; deploy/lib/common.sh installs it without starting the server).</summary>
public static class Promtool
{
    public const string Path = "/usr/bin/promtool";

    /// <summary>Runs <c>promtool ARGS</c> with <paramref name="stdin"/>; returns the exit code and the output.</summary>
    public static (int ExitCode, string Output) Run(string? stdin, params string[] args)
    {
        if (!File.Exists(Path)) throw new InvalidOperationException($"{Path} is missing: install Debian's prometheus package (deploy/test.sh does, without starting the server)");
        var psi = new ProcessStartInfo(Path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(60_000)) { process.Kill(); throw new TimeoutException("promtool did not finish in 60 s"); }
        return (process.ExitCode, new StringBuilder().Append(stdout.Result).Append(stderr.Result).ToString());
    }
}
