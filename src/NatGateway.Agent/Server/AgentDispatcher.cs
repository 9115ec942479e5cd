using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using static NatGateway.Agent.Server.RequestValidation;

namespace NatGateway.Agent.Server;

/// <summary>
/// Runs one validated request against the agent's <see cref="IGatewayKernel"/> (a <see cref="LocalGatewayKernel"/>).
/// Every argument goes through <see cref="RequestValidation"/> before the kernel is touched. Streaming and relay
/// operations are handled by <see cref="AgentSession"/>; this class answers the request/response ones.
/// </summary>
public sealed class AgentDispatcher(IGatewayKernel kernel)
{
    public IGatewayKernel Kernel { get; } = kernel;

    /// <param name="request">A validated request/response operation.</param>
    /// <param name="peer">The connection's SO_PEERCRED (null: none known, e.g. a test calling the dispatcher directly).</param>
    public AgentResponse Handle(AgentRequest request, PeerCredentials? peer = null)
    {
        switch (request.Op)
        {
            case AgentOperation.SysctlRead:
                return new AgentResponse { Text = Kernel.Sysctl.Read(ManagedKey(request.Key)) };
            case AgentOperation.SysctlTryRead:
                return new AgentResponse { Text = Kernel.Sysctl.TryRead(ManagedKey(request.Key)) };
            case AgentOperation.SysctlIsWritable:
                return new AgentResponse { Flag = Kernel.Sysctl.IsWritable(ManagedKey(request.Key)) };
            case AgentOperation.SysctlWrite:
            {
                var key = ManagedKey(request.Key);
                var value = SysctlValue(request.Value);
                Kernel.Sysctl.Write(key, value);
                Failpoints.Hit(Failpoints.AgentAfterSysctl);
                return new AgentResponse();
            }
            case AgentOperation.NatApply:
            {
                var result = Kernel.NatTables.Apply(Rules(request.Rules, request.RulesHash), MssClamp(request.MssClamp));
                Failpoints.Hit(Failpoints.AgentAfterNftables);
                return new AgentResponse { Apply = new ApplyResultWire(result.Duration.Ticks, result.CommandCount) };
            }
            case AgentOperation.NatPrepare:
            {
                var mssClamp = MssClamp(request.MssClamp);
                // Validation and the compile on the two cores: the compile of a list that then fails validation is dropped
                // (nothing can apply it: an apply by hash finds only validated lists, RequestValidation.Rules).
                RulesBeside(request.Rules, rules => Kernel.NatTables.Prepare(rules, mssClamp));
                return new AgentResponse();
            }
            case AgentOperation.NatPreparedDocuments:
                return new AgentResponse { Ruleset = Kernel.NatTables.PreparedDocuments(Rules(null, request.RulesHash), MssClamp(request.MssClamp)) };
            case AgentOperation.NatCheck:
                Kernel.NatTables.Check(Rules(request.Rules), MssClamp(request.MssClamp));
                return new AgentResponse();
            case AgentOperation.NatRender:
                return new AgentResponse { Text = Kernel.NatTables.Render(Rules(request.Rules), MssClamp(request.MssClamp)) };
            case AgentOperation.NatListText:
                return new AgentResponse { Text = Kernel.NatTables.ListText() };
            case AgentOperation.NatReadCounters:
                return new AgentResponse { Counters = Kernel.NatTables.ReadCounters().Values.ToArray() };
            case AgentOperation.NatDetectDrift:
                return new AgentResponse { Drift = Kernel.NatTables.DetectDrift(Rules(request.Rules), MssClamp(request.MssClamp)) };
            case AgentOperation.NatGeneration:
                return new AgentResponse { Number = Kernel.NatTables.Generation() };
            case AgentOperation.ConntrackTableStats:
                return new AgentResponse { TableStats = Kernel.Conntrack.ReadTableStats() };
            case AgentOperation.ConntrackCpuStats:
                return new AgentResponse { CpuStats = Kernel.Conntrack.ReadCpuStats().ToArray() };
            case AgentOperation.ConntrackCount:
                return new AgentResponse { Number = Kernel.Conntrack.Count(Family(request.Family), KernelFilter(request.KernelFilter)) };
            case AgentOperation.ConntrackDelete:
            {
                var family = Family(request.Family);
                var kernelFilter = KernelFilter(request.KernelFilter);
                var filter = Filter(request.Filter);
                return new AgentResponse { Number = Kernel.Conntrack.Delete(family, kernelFilter, filter) };
            }
            case AgentOperation.ConntrackDeleteFlows:
                return new AgentResponse { Number = Kernel.Conntrack.DeleteFlows(Flows(request.Flows)) };
            case AgentOperation.ConntrackFlush:
                Kernel.Conntrack.Flush(Family(request.Family));
                return new AgentResponse();
            case AgentOperation.PersistSysctls:
            {
                var file = File(request.File);
                return new AgentResponse { Text = Kernel.Persistence.WriteSysctls(file, PersistedSysctls(request.Sysctls)) };
            }
            case AgentOperation.PersistConntrackHashsize:
                return new AgentResponse { Text = Kernel.Persistence.WriteConntrackHashsize(Buckets(request.Buckets)) };
            case AgentOperation.ListInterfaces:
                return new AgentResponse { Interfaces = Kernel.ListInterfaces().ToArray() };
            case AgentOperation.ReadHostFacts:
                return new AgentResponse { HostFacts = Kernel.ReadHostFacts() };
            case AgentOperation.ListRoutes:
                return new AgentResponse { Routes = Kernel.ListRoutes().ToArray() };
            case AgentOperation.ReadConntrackFacts:
                return new AgentResponse { Facts = Kernel.ReadConntrackFacts() };
            case AgentOperation.DiagnosticsSoftnet:
                return new AgentResponse { Softnet = Kernel.Diagnostics.ReadSoftnet().ToArray() };
            case AgentOperation.DiagnosticsInterrupts:
                return new AgentResponse { Interrupts = Kernel.Diagnostics.ReadInterrupts() };
            case AgentOperation.DiagnosticsRps:
                return new AgentResponse { Rps = Kernel.Diagnostics.ReadRps().ToArray() };
            case AgentOperation.DiagnosticsOffloads:
                return new AgentResponse { Offloads = Kernel.Diagnostics.ReadOffloads().ToArray() };
            case AgentOperation.DiagnosticsSetLro:
                Kernel.Diagnostics.SetLro(Interface(request.Interface), Required(request.Enabled, "enabled"));
                return new AgentResponse();
            case AgentOperation.DiagnosticsRoutingRules:
                return new AgentResponse { RoutingRules = Kernel.Diagnostics.ListRoutingRules().ToArray() };
            case AgentOperation.DiagnosticsKernelLog:
                return new AgentResponse { KernelLog = Kernel.Diagnostics.ReadKernelLog(request.Sequence ?? 0) };
            case AgentOperation.DiagnosticsCaptureDrops:
                return new AgentResponse { Drops = Kernel.Diagnostics.CaptureDrops(CaptureDuration(request.DurationMilliseconds)) };
            case AgentOperation.TraceCapture:
            {
                var probe = Probe(request.Probe);
                var window = TraceWindow(request.DurationMilliseconds);
                var packets = TracePackets(request.MaxPackets);
                return new AgentResponse { Trace = Kernel.Tracing.Capture(probe, window, packets).ToArray() };
            }
            case AgentOperation.DiagnosticsForeignForwardChains:
                return new AgentResponse { ForeignChains = Kernel.Diagnostics.ListForeignForwardChains().ToArray() };
            case AgentOperation.ClusterApply:
                Kernel.Cluster.Apply(Cluster(request.Cluster));
                return new AgentResponse();
            case AgentOperation.ClusterStop:
                Kernel.Cluster.Stop();
                return new AgentResponse();
            case AgentOperation.ClusterStatus:
                return new AgentResponse { Cluster = Kernel.Cluster.Status() };
            case AgentOperation.ClusterNotify:
            {
                var state = NotifiedState(request.VrrpState);
                // keepalived forks its notify scripts in the order of its transitions but runs them in parallel, so two
                // quick ones (backup → primary at start) can reach the agent in the other order: the notifying process's
                // start orders them, as `natgw ha notify --run-dir` does. Read from the kernel for the SO_PEERCRED pid (the
                // caller is connected, so the pid is still its own), never taken from the request. Found by the agent-mode
                // HA test: gw1 held the VIPs while its recorded state stayed "backup".
                if (Kernel.Cluster is LocalClusterServices local && StartOf(peer) is { } started)
                    local.Notify(state, Reason(request.Reason), started);
                else
                    Kernel.Cluster.Notify(state, Reason(request.Reason));
                return new AgentResponse();
            }
            default:
                throw new AgentRequestException("op", $"{request.Op} is not a request/response operation");
        }
    }

    /// <summary>When the peer process started (null: no peer known, or it is gone).</summary>
    private static DateTimeOffset? StartOf(PeerCredentials? peer)
    {
        if (peer is not { ProcessId: > 0 } p) return null;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(p.ProcessId);
            return new DateTimeOffset(process.StartTime.ToUniversalTime());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { return null; }
    }
}
