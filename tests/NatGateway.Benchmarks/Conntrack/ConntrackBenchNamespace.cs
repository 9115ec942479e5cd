using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// One uniquely named network namespace (<c>ip netns add ngw-ctbench-XXXXXXXX</c>) holding the benchmark's entries.
/// Conntrack is made active there by an nft rule that uses it, and <c>nf_conntrack_events=1</c> (per namespace) gives
/// every entry an event extension, as on the appliance. Entries are created over ctnetlink; the only packets are the
/// HTTP requests to natgw serve on loopback (item 3h), which are not tracked (notrack on lo), so the table holds exactly the benchmark's entries.
/// Dispose deletes the namespace (idempotent, safe from the Ctrl-C handler); the kernel frees the entries in the background.
/// </summary>
internal sealed class ConntrackBenchNamespace : IDisposable
{
    private const string ConntrackUser = """
        table inet ctbench {
            chain pre {
                type filter hook prerouting priority 0; policy accept;
                ct state new counter
            }
            chain raw_pre {
                type filter hook prerouting priority raw; policy accept;
                iif "lo" notrack
            }
            chain raw_out {
                type filter hook output priority raw; policy accept;
                oif "lo" notrack
            }
        }
        """;

    private int _deleted;

    public string Name { get; } = "ngw-ctbench-" + Guid.NewGuid().ToString("N")[..8];

    public ConntrackBenchNamespace()
    {
        ProcessRunner.Run("ip", "netns", "add", Name).EnsureSuccess("ip netns add");
        try
        {
            Exec("ip", "link", "set", "lo", "up").EnsureSuccess("lo up");
            ProcessRunner.Run("ip", ["netns", "exec", Name, "nft", "-f", "-"], TimeSpan.FromSeconds(30), ConntrackUser).EnsureSuccess("nft ct rule");
            Exec("sysctl", "-qw", "net.netfilter.nf_conntrack_events=1").EnsureSuccess("nf_conntrack_events");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespace (<c>ip netns exec NAME ...</c>).</summary>
    public CommandResult Exec(string file, params string[] args) =>
        ProcessRunner.Run("ip", new[] { "netns", "exec", Name, file }.Concat(args), TimeSpan.FromMinutes(3));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _deleted, 1) == 1) return;
        ProcessRunner.Run("ip", "netns", "del", Name);
    }
}
