using NatGateway.Nat;

namespace NatGateway.Nat.Tests;

/// <summary>Load-balanced forwards and timeout policies for tests, with fixed ids (golden output stays stable).</summary>
internal static class BalanceRules
{
    /// <summary>tcp dport <paramref name="port"/> on lan0 spread over <paramref name="backends"/> ("10.77.2.2", "10.77.2.3:8080", "10.77.2.4*3" = weight 3).</summary>
    public static LoadBalanceRule Balance(int n, int port, BalanceMethod method, params string[] backends) => new()
    {
        Id = Rules.Id(n), Name = $"lb{n}", MarkId = n, InInterfaces = ["lan0"], Protocol = NatProtocol.Tcp,
        DestinationPort = new PortRange(port), Method = method, Backends = backends.Select(Backend).ToList(),
    };

    public static LoadBalanceBackend Backend(string text)
    {
        var weight = 1;
        if (text.Split('*') is [var rest, var w]) { text = rest; weight = int.Parse(w); }
        int? port = null;
        // "10.77.2.3:8080" or "[fd77:2::3]:8080".
        if (text.StartsWith('[')) { var close = text.IndexOf(']'); if (close + 1 < text.Length) port = int.Parse(text[(close + 2)..]); text = text[1..close]; }
        else if (text.Count(c => c == ':') == 1) { var parts = text.Split(':'); text = parts[0]; port = int.Parse(parts[1]); }
        return new LoadBalanceBackend(Rules.Ip(text), port, weight);
    }
}
