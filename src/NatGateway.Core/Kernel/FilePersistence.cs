namespace NatGateway.Core.Kernel;

/// <summary>Where the boot-time files go: /etc/sysctl.d and /etc/modprobe.d in production, a temp folder in tests.</summary>
public sealed record PersistencePaths(string SysctlDirectory = "/etc/sysctl.d", string ModprobeDirectory = "/etc/modprobe.d");

/// <summary><see cref="ISettingsPersistence"/> on the local filesystem: fixed file names and headers per <see cref="PersistedFile"/>.</summary>
public sealed class FilePersistence(PersistencePaths paths) : ISettingsPersistence
{
    public const string SettingsFileName = "90-natgw.conf";
    public const string ConntrackFileName = "91-natgw-conntrack.conf";
    public const string ModprobeFileName = "natgw-conntrack.conf";

    public PersistencePaths Paths { get; } = paths;

    public string WriteSysctls(PersistedFile file, IReadOnlyList<PersistedSysctl> values)
    {
        foreach (var v in values)
            if (!SysctlPolicy.IsManaged(v.Key) || !SysctlPolicy.IsValidValue(v.Value))
                throw new ArgumentException($"{v.Key.Name} = '{v.Value}' is not a setting NatGateway persists", nameof(values));
        var (name, header) = file switch
        {
            PersistedFile.Settings => (SettingsFileName, new[]
            {
                "# Written by NatGateway (natgw). Changes made here are overwritten on the next persisted apply.",
            }),
            PersistedFile.Conntrack => (ConntrackFileName, new[]
            {
                "# Written by NatGateway (natgw plan / Capacity page). Changes made here are overwritten on the next persisted apply.",
                "# A leading '-' makes systemd-sysctl skip a key when nf_conntrack is not loaded yet.",
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(file), file, "unknown persisted file"),
        };
        return WriteAtomically(Paths.SysctlDirectory, name,
            header.Concat(values.Select(v => $"{(v.SkipWhenMissing ? "-" : "")}{v.Key.Name} = {v.Value}")));
    }

    public string WriteConntrackHashsize(long buckets)
    {
        if (buckets <= 0) throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "must be positive");
        return WriteAtomically(Paths.ModprobeDirectory, ModprobeFileName,
        [
            "# Written by NatGateway: the conntrack hash table size when the nf_conntrack module loads (modprobe.d(5)).",
            $"options nf_conntrack hashsize={buckets}",
        ]);
    }

    private static string WriteAtomically(string directory, string fileName, IEnumerable<string> lines)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, string.Join('\n', lines) + "\n");
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
