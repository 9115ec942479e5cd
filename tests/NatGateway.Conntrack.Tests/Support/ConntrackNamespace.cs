using NatGateway.TestSupport;

namespace NatGateway.Conntrack.Tests.Support;

/// <summary>A private, empty network namespace for ctnetlink tests that need no traffic (entries made by
/// Create). Faster than a full NamespaceLab; deleted on dispose.</summary>
public sealed class ConntrackNamespace : IDisposable
{
    public ConntrackNamespace()
    {
        Root.Require();
        Name = "ngw-ct-" + Guid.NewGuid().ToString("N")[..8];
        ProcessRunner.Run("ip", "netns", "add", Name).EnsureSuccess("ip netns add");
        ProcessRunner.Run("ip", "-n", Name, "link", "set", "lo", "up").EnsureSuccess("lo up");
    }

    public string Name { get; }

    public ConntrackClient Client(ConntrackClientOptions? options = null) =>
        NetworkNamespace.RunIn(Name, () => options is null ? new ConntrackClient() : new ConntrackClient(options));

    public ConntrackListener Listener(FlowEventGroups groups = FlowEventGroups.All) =>
        NetworkNamespace.RunIn(Name, () => new ConntrackListener(groups));

    /// <summary>Runs conntrack(8) in the namespace.</summary>
    public CommandResult Conntrack(params string[] args) =>
        ProcessRunner.Run("ip", new[] { "netns", "exec", Name, "conntrack" }.Concat(args));

    public void Sysctl(string key, string value) =>
        ProcessRunner.Run("ip", "netns", "exec", Name, "sysctl", "-q", "-w", $"{key}={value}").EnsureSuccess("sysctl " + key);

    public void Dispose() => ProcessRunner.Run("ip", "netns", "del", Name);
}
