namespace NatGateway.TestSupport;

/// <summary>
/// A systemd unit file from deploy/, read the way systemd reads directives: "Key=value" lines, '#' comments,
/// a key given again adds to the list, an empty assignment ("CapabilityBoundingSet=") resets it (systemd.syntax(7)).
/// </summary>
public sealed class SystemdUnitFile
{
    public string Name { get; }
    public string Path { get; }
    public string Text { get; }

    private SystemdUnitFile(string name)
    {
        Name = name;
        Path = System.IO.Path.Combine(RepositoryPaths.Root, "deploy", name);
        Text = File.ReadAllText(Path);
    }

    /// <summary>deploy/<paramref name="name"/>, e.g. "natgw-agent.service".</summary>
    public static SystemdUnitFile Load(string name) => new(name);

    /// <summary>Every value of <paramref name="key"/>, split on spaces, after resets by empty assignments.</summary>
    public IReadOnlyList<string> Values(string key) =>
        Assignments(key).SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

    /// <summary>The assignments of <paramref name="key"/> in order, one per line, after resets by empty assignments.</summary>
    public IReadOnlyList<string> Assignments(string key)
    {
        var values = new List<string>();
        foreach (var raw in Text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';' or '[') continue;
            var eq = line.IndexOf('=');
            if (eq < 0 || line[..eq].Trim() != key) continue;
            var value = line[(eq + 1)..].Trim();
            if (value.Length == 0) values.Clear();
            else values.Add(value);
        }
        return values;
    }

    /// <summary>tests/NatGateway.TestSupport/seccomp-exec.py: runs a command under a unit's system-call filter.</summary>
    public static string SeccompScript => System.IO.Path.Combine(RepositoryPaths.Root, "tests", "NatGateway.TestSupport", "seccomp-exec.py");

    /// <summary>
    /// A command prefix that applies this unit's SystemCallFilter=, SystemCallErrorNumber= and RestrictAddressFamilies=
    /// (<paramref name="script"/>: a copy of <see cref="SeccompScript"/> the process's uid can read).
    /// </summary>
    public IReadOnlyList<string> SeccompArguments(string script)
    {
        var args = new List<string> { "/usr/bin/python3", script, "--errno", Assignments("SystemCallErrorNumber").LastOrDefault()
            ?? throw new NotSupportedException($"{Name}: without SystemCallErrorNumber= a refused call kills the process (SIGSYS), which is not emulated") };
        foreach (var filter in Assignments("SystemCallFilter")) args.AddRange(["--filter", filter]);
        if (Values("RestrictAddressFamilies") is { Count: > 0 } families) args.AddRange(["--families", string.Join(' ', families)]);
        args.Add("--");
        return args;
    }

    /// <summary>The capabilities a root service of this unit can hold: its CapabilityBoundingSet, which must be set
    /// (unset, systemd leaves every capability).</summary>
    public IReadOnlyList<string> BoundingCapabilities =>
        Text.Split('\n').Any(l => l.TrimStart().StartsWith("CapabilityBoundingSet=", StringComparison.Ordinal))
            ? Values("CapabilityBoundingSet")
            : throw new InvalidOperationException($"{Name} sets no CapabilityBoundingSet: it would keep every capability");

    /// <summary>
    /// setpriv(1) arguments that give a process started as root the same capability sets as this unit:
    /// the bounding set limits the permitted set of root after execve; no inheritable or ambient capabilities.
    /// </summary>
    public IReadOnlyList<string> SetprivCapabilityArguments()
    {
        if (Values("AmbientCapabilities").Count != 0) throw new NotSupportedException($"{Name}: ambient capabilities are not emulated");
        var caps = BoundingCapabilities.Select(c => "+" + c.ToLowerInvariant().Replace("cap_", "", StringComparison.Ordinal));
        return ["--bounding-set", string.Join(',', new[] { "-all" }.Concat(caps)), "--inh-caps", "-all", "--ambient-caps", "-all"];
    }
}
