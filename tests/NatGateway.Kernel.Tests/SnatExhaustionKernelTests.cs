using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Doctor;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Data;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// SNAT port exhaustion for real (issue 13's first acceptance case): a masquerade rule with a 10-port range, ten
/// long-lived TCP connections from the lab client to ONE server address and port fill it; the doctor's meter
/// (<see cref="MirrorConntrackDoctorFacts"/> over natgw's database and the gateway's conntrack table) shows 100% for that
/// (address, port, tcp); the eleventh connection's SYN is dropped (insert_failed: no unique reply tuple is left); a wider
/// range applied through the revision system (commit-confirmed, then confirmed) lets new connections through.
/// </summary>
public sealed class SnatExhaustionKernelTests
{
    private const int ServerPort = 8443;
    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    [KernelFact]
    public async Task A_full_masquerade_port_range_reads_100_percent_drops_the_next_flow_and_a_wider_range_lets_new_flows_through()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = cts.Token;
        using var lab = NamespaceLab.Create();
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        // A listener that never accepts: the server's kernel completes every handshake into the backlog, so each client
        // connection stays ESTABLISHED (and its conntrack entry with its translated port) for as long as the test holds it.
        using var listener = NetworkNamespace.RunIn(lab.Server, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), ServerPort));
            s.Listen(256);
            return s;
        });

        using var created = await app.Http.PostAsync("api/v1/rules", Json($$"""
            {"kind": "masquerade", "name": "narrow", "outInterfaces": ["{{NamespaceLab.GatewayWanInterface}}"], "sourceCidrs": ["10.77.1.0/24"],
             "protocol": "tcp", "ports": "10000-10009"}
            """), ct);
        created.EnsureSuccessStatusCode();
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
        var ruleId = rule.GetProperty("id").GetGuid();
        (await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "narrow range"}"""), ct)).EnsureSuccessStatusCode();

        var server = new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), ServerPort);
        var open = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++) open.Add(await NamespaceSockets.ConnectAsync(lab.Client, server, ct));
            var facts = DoctorFacts(lab, app);
            var full = (await facts.SnatPortUseAsync(DoctorSnapshotCollector.SnatPortLimit, ct)).Single();
            Assert.Equal(NamespaceLab.GatewayWanAddress, full.TranslatedAddress.ToString());
            Assert.Equal(NamespaceLab.ServerAddress, full.Destination.ToString());
            Assert.Equal(ServerPort, full.DestinationPort);
            Assert.Equal(IPProtocol.Tcp, full.Protocol);
            Assert.Equal((10, 10), (full.InUse, full.Available));
            Assert.Equal(1.0, full.Fill);
            Assert.Equal(ruleId, full.RuleId);
            Assert.Equal("narrow", full.RuleName);
            var census = await facts.StateCensusAsync(ct);
            Assert.True(census.States.Single(s => s.State == "ESTABLISHED").Entries >= 10);

            // The eleventh: NAT finds no free port, the entry clashes at confirmation and its SYN is dropped
            // (insert_failed rises); the connect waits for a SYN-ACK that cannot come while the range is full.
            var insertFailedBefore = InsertFailed(lab);
            using var eleventh = NetworkNamespace.RunIn(lab.Client, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            var stalled = eleventh.ConnectAsync(server, ct).AsTask();
            await WaitUntilAsync(() => InsertFailed(lab) > insertFailedBefore, "insert_failed to rise for the eleventh SYN", ct);
            Assert.False(stalled.IsCompletedSuccessfully);
            Assert.Equal(10, (await facts.SnatPortUseAsync(5, ct)).Single().InUse);

            // The fix: a wider range as a rule update, applied commit-confirmed through the revision system, then confirmed.
            using var update = await app.Http.PutAsync($"api/v1/rules/{ruleId}", Json($$"""
                {"kind": "masquerade", "name": "narrow", "outInterfaces": ["{{NamespaceLab.GatewayWanInterface}}"], "sourceCidrs": ["10.77.1.0/24"],
                 "protocol": "tcp", "ports": "10000-10039"}
                """), ct);
            update.EnsureSuccessStatusCode();
            using var apply = await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "wider range", "confirmWithinSeconds": 120}"""), ct);
            apply.EnsureSuccessStatusCode();
            var pending = await apply.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.Equal("pending-confirmation", pending.GetProperty("state").GetString());
            (await app.Http.PostAsync($"api/v1/revisions/{pending.GetProperty("revisionId").GetInt64()}/confirm", Json("{}"), ct)).EnsureSuccessStatusCode();
            var active = await app.Http.GetFromJsonAsync<JsonElement>($"api/v1/revisions/{pending.GetProperty("revisionId").GetInt64()}", ct);
            Assert.Equal("applied", active.GetProperty("summary").GetProperty("state").GetString());
            using (var noPending = await app.Http.GetAsync("api/v1/revisions/pending", ct)) Assert.Equal(HttpStatusCode.NoContent, noPending.StatusCode);
            for (var i = 0; i < 5; i++) open.Add(await NamespaceSockets.ConnectAsync(lab.Client, server, ct));
            var after = (await facts.SnatPortUseAsync(5, ct)).Single();
            Assert.Equal(40, after.Available);
            Assert.InRange(after.InUse, 15, 16); // the eleventh's retransmitted SYN may have got through too
            Assert.True(after.Fill < 1.0);
        }
        finally
        {
            foreach (var socket in open) socket.Dispose();
        }
    }

    /// <summary>The doctor's conntrack facts as natgw builds them, over natgw's own database (the rules in force) and the
    /// lab gateway's conntrack table (the dump and /proc reads run on a thread inside the gateway namespace).</summary>
    private static MirrorConntrackDoctorFacts DoctorFacts(NamespaceLab lab, NatgwProcess app)
    {
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        DatabaseSetup.Configure(options, app.DatabasePath);
        var store = new RevisionStore(new DbFactory(options.Options), TimeProvider.System);
        return new MirrorConntrackDoctorFacts(new GatewayNamespaceKernel(lab.Gateway), store, new NatCompileOptions());
    }

    private static long InsertFailed(NamespaceLab lab) =>
        lab.Exec(lab.Gateway, "conntrack", "-S").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(field => field.StartsWith("insert_failed=", StringComparison.Ordinal))
            .Sum(field => long.Parse(field["insert_failed=".Length..]));

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(50, ct);
        }
    }

    private sealed class DbFactory(DbContextOptions<NatGatewayDbContext> options) : IDbContextFactory<NatGatewayDbContext>
    {
        public NatGatewayDbContext CreateDbContext() => new(options);
    }

    /// <summary>The two kernel reads the conntrack facts make (a ctnetlink dump, /proc/sys/net/netfilter), each on a
    /// thread inside the lab gateway's namespace; nothing else is needed here.</summary>
    private sealed class GatewayNamespaceKernel(string ns) : IGatewayKernel
    {
        private readonly LocalConntrackKernel _conntrack = new();
        public ISysctl Sysctl => throw new NotSupportedException();
        public INatTables NatTables => throw new NotSupportedException();
        public IConntrackKernel Conntrack => new NamespacedConntrack(ns, _conntrack);
        public ISettingsPersistence Persistence => throw new NotSupportedException();
        public IHostDiagnostics Diagnostics => throw new NotSupportedException();
        public IKernelAvailability Availability => AlwaysAvailable.Instance;
        public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces() => throw new NotSupportedException();
        public IReadOnlyList<RouteInfo> ListRoutes() => throw new NotSupportedException();
        public NatGateway.Capacity.Kernel.KernelConntrackFacts ReadConntrackFacts() =>
            NetworkNamespace.RunIn(ns, () => new NatGateway.Capacity.Kernel.KernelConntrackFactsReader().Read());
    }

    private sealed class NamespacedConntrack(string ns, IConntrackKernel inner) : IConntrackKernel
    {
        public long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null) =>
            NetworkNamespace.RunIn(ns, () => inner.Dump(onFlow, family, kernelFilter));
        public ConntrackTableStats ReadTableStats() => NetworkNamespace.RunIn(ns, inner.ReadTableStats);
        public IReadOnlyList<CpuStats> ReadCpuStats() => NetworkNamespace.RunIn(ns, inner.ReadCpuStats);
        public long Count(IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null) => NetworkNamespace.RunIn(ns, () => inner.Count(family, kernelFilter));
        public int Delete(IPFamily family, DumpFilter? kernelFilter, FlowFilter? filter) => throw new NotSupportedException();
        public int DeleteFlows(IReadOnlyList<Flow> flows) => throw new NotSupportedException();
        public void Flush(IPFamily family) => throw new NotSupportedException();
        public IConntrackMirrorSource OpenMirrorSource() => throw new NotSupportedException();
        public IFlowEventStream OpenEvents(FlowEventGroups groups) => throw new NotSupportedException();
    }
}
