using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// Start-up recovery under the capabilities the shipped units grant (issue 11): `natgw agent` as uid 0 with exactly
/// natgw-agent.service's CapabilityBoundingSet (setpriv), `natgw serve --agent` as a non-root uid with none, as
/// natgw.service runs it. Both also run under their unit's system-call filter and address families (seccomp-exec.py).
/// The doctor's two reads that need more than netlink run there too: /dev/kmsg (kernel.dmesg_restrict=1 here, so the open
/// needs the unit's CAP_SYSLOG) and a drop capture in a tracefs instance, with tracefs mounted before the filter as
/// sys-kernel-tracing.mount does (in the agent's own mount namespace, so the host's mounts are untouched).
/// Not emulated: the namespace settings (ProtectSystem=, PrivateDevices=/DeviceAllow=, ProtectKernelLogs=, PrivateMounts=)
/// and the device cgroup; DeployUnitTests checks those as text. A reboot is emulated by deleting our tables while both are stopped.
/// </summary>
public sealed class UnitCapabilitiesKernelTests(ITestOutputHelper output)
{
    /// <summary>The web's uid (no passwd entry: no user is created on the host; the agent takes a uid for --web-user).</summary>
    private const int WebUid = AgentMode.WebUid;

    [KernelFact]
    public async Task Start_up_recovery_restores_our_tables_under_the_shipped_units_capabilities()
    {
        var agentUnit = SystemdUnitFile.Load("natgw-agent.service");
        var webUnit = SystemdUnitFile.Load("natgw.service");
        Assert.Empty(webUnit.BoundingCapabilities);
        using var lab = NamespaceLab.Create();
        var root = Directory.CreateTempSubdirectory("natgw-units-").FullName;
        try
        {
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101); // 0755: the web uid reaches its own folders.
            var web = Directory.CreateDirectory(Path.Combine(root, "web")).FullName; // StateDirectory, owned by the web user
            var etc = Directory.CreateDirectory(Path.Combine(root, "etc")).FullName; // the agent's ReadWritePaths
            var seccomp = Path.Combine(root, "seccomp-exec.py"); // readable by the web's uid wherever the checkout lives
            File.Copy(SystemdUnitFile.SeccompScript, seccomp);
            File.SetUnixFileMode(seccomp, (UnixFileMode)0b110_100_100);
            var database = Path.Combine(web, "natgw.db");
            await TestAccounts.EnsureAdminAsync(database);
            var token = await TestAccounts.CreateTokenAsync(database, NatGateway.Data.Entities.Role.Admin, "units-admin");
            ProcessRunner.Run("chown", "-R", $"{WebUid}:{WebUid}", web).EnsureSuccess("chown");
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            await using (var first = await Pair.StartAsync(lab, agentUnit, webUnit, root, etc, web, seccomp, token))
            {
                first.AssertCapabilities(agentUnit);
                using var created = await first.Http.PostAsync("api/v1/rules", Json($$"""
                    {"kind": "dnat", "name": "units", "inInterfaces": ["lan0"], "protocol": "tcp",
                     "destinationAddress": "{{NamespaceLab.GatewayLanAddress}}", "destinationPort": "8080",
                     "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "80"}
                    """));
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                using var applied = await first.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "under the units' capabilities"}"""));
                Assert.True(applied.StatusCode == HttpStatusCode.OK, $"{applied.StatusCode} {await applied.Content.ReadAsStringAsync()}\n{first.Output}");
                Assert.Contains(NamespaceLab.ServerAddress, lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput);
                await first.AssertDoctorReadsAsync();
            }

            // A reboot: the processes are gone and so are our tables.
            lab.Exec(lab.Gateway, "nft", "delete", "table", "ip", "natgw").EnsureSuccess("nft delete table ip natgw");
            lab.Exec(lab.Gateway, "nft", "delete", "table", "ip6", "natgw").EnsureSuccess("nft delete table ip6 natgw");

            await using var second = await Pair.StartAsync(lab, agentUnit, webUnit, root, etc, web, seccomp, token);
            second.AssertCapabilities(agentUnit);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string tables;
            while (!(tables = lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput).Contains(NamespaceLab.ServerAddress)
                   && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            Assert.True(tables.Contains(NamespaceLab.ServerAddress, StringComparison.Ordinal), $"start-up recovery did not restore our table:\n{second.Output}");
            using var drift = await second.Http.GetAsync("api/v1/rules/drift");
            var body = await drift.Content.ReadAsStringAsync();
            Assert.True(drift.StatusCode == HttpStatusCode.OK, $"drift: {drift.StatusCode} {body}\n{second.Output}");
            Assert.False(JsonDocument.Parse(body).RootElement.GetProperty("hasDrift").GetBoolean(), body);
            output.WriteLine($"restored under {string.Join(' ', agentUnit.BoundingCapabilities)}; drift {body}");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The agent and the web of one boot, started the way the units start them.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly Process _agent;
        private readonly Process _web;
        private readonly StringBuilder _output = new();
        private readonly string _runtimeDirectory;
        public HttpClient Http { get; }
        public string Output { get { lock (_output) return _output.ToString(); } }

        private Pair(NamespaceLab lab, SystemdUnitFile agentUnit, SystemdUnitFile webUnit, string root, string etc, string web,
            string seccomp, string token)
        {
            // RuntimeDirectory=natgw, RuntimeDirectoryMode=0755: made at each start, removed at each stop.
            _runtimeDirectory = Directory.CreateDirectory(Path.Combine(root, "run")).FullName;
            File.SetUnixFileMode(_runtimeDirectory, (UnixFileMode)0b111_101_101);
            var socket = Path.Combine(_runtimeDirectory, "agent.sock");
            // One world-readable copy of the build for both, as /opt/natgw is for the units.
            var natgw = AgentMode.NatgwDll;
            // --web-user natgw, as the unit says: the name exists only in the agent's own mount namespace (passwd and group
            // bind-mounted over /etc), so no user is created on the host. SupplementaryGroups=natgw lets it give the socket
            // to that group. Root keeps uid 0; its permitted set after execve is the bounding set, i.e. the unit's capabilities.
            Assert.Equal(["natgw"], agentUnit.Values("SupplementaryGroups"));
            var id = WebUid.ToString(CultureInfo.InvariantCulture);
            _agent = Watch(lab.Start(lab.Gateway, "unshare",
                ["--mount", "--propagation", "private", "sh", "-c",
                 // sys-kernel-tracing.mount's work, done before the filter (which refuses mount(2)) as systemd does it.
                 "{ mountpoint -q /sys/kernel/tracing || mount -t tracefs -o nosuid,nodev,noexec nodev /sys/kernel/tracing; } && " +
                 "mount --bind \"$0\" /etc/passwd && mount --bind \"$1\" /etc/group && shift && exec \"$@\"",
                 Overlay(root, "passwd", $"natgw:x:{id}:{id}::/nonexistent:/usr/sbin/nologin"), Overlay(root, "group", $"natgw:x:{id}:"),
                 "setpriv", "--groups", id, .. agentUnit.SetprivCapabilityArguments(), .. agentUnit.SeccompArguments(seccomp),
                 "dotnet", natgw, "agent", "--socket", socket, "--web-user", "natgw",
                 "--sysctl-dir", Path.Combine(etc, "sysctl.d"), "--modprobe-dir", Path.Combine(etc, "modprobe.d")]), "agent");
            // User=natgw, CapabilityBoundingSet= (empty), NoNewPrivileges=yes; Production, as the unit sets.
            _web = Watch(lab.Start(lab.Gateway, "setpriv",
                ["--reuid", id, "--regid", id, "--clear-groups", "--bounding-set", "-all", "--inh-caps", "-all", "--ambient-caps", "-all",
                 "--no-new-privs", .. webUnit.SeccompArguments(seccomp), "dotnet", natgw, "serve", "--agent", socket,
                 "--urls", $"http://{NamespaceLab.GatewayLanAddress}:5080", "--db", Path.Combine(web, "natgw.db"),
                 "--content-root", AgentMode.BinaryDirectory,
                 "--allowed-hosts", NamespaceLab.GatewayLanAddress],
                new Dictionary<string, string> { ["HOME"] = web, ["DOTNET_CLI_HOME"] = web }), "web");
            Http = NamespaceSockets.CreateHttpClient(lab.Gateway, new Uri($"http://{NamespaceLab.GatewayLanAddress}:5080/"));
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        /// <summary>
        /// The doctor's table-full check read /dev/kmsg through the agent (its evidence says "unreadable: ..." otherwise),
        /// and a one-second drop capture ran in a tracefs instance of the agent's (501 when tracefs or mount(2) is missing).
        /// </summary>
        public async Task AssertDoctorReadsAsync()
        {
            using var doctor = await Http.GetAsync("api/v1/doctor?check=table-full");
            var report = await doctor.Content.ReadAsStringAsync();
            Assert.True(doctor.StatusCode == HttpStatusCode.OK, $"doctor: {doctor.StatusCode} {report}\n{Output}");
            var evidence = JsonDocument.Parse(report).RootElement.GetProperty("checks").EnumerateArray().Single()
                .GetProperty("evidence").EnumerateArray().Where(e => e.GetProperty("source").GetString() == "/dev/kmsg").ToList();
            Assert.NotEmpty(evidence);
            Assert.All(evidence, e => Assert.DoesNotContain("unreadable", e.GetProperty("value").GetString(), StringComparison.Ordinal));

            using var drops = await Http.PostAsync("api/v1/doctor/drops", Json("""{"seconds": 1}"""));
            var capture = await drops.Content.ReadAsStringAsync();
            Assert.True(drops.StatusCode == HttpStatusCode.OK, $"drop capture: {drops.StatusCode} {capture}\n{Output}");
            Assert.True(JsonDocument.Parse(capture).RootElement.GetProperty("events").GetInt64() >= 0, capture);
        }

        /// <summary>/etc/NAME plus one line, in the test's folder (written once, reused by the restart).</summary>
        private static string Overlay(string root, string name, string line)
        {
            var path = Path.Combine(root, name);
            if (!File.Exists(path)) File.WriteAllText(path, File.ReadAllText(Path.Combine("/etc", name)).TrimEnd('\n') + "\n" + line + "\n");
            return path;
        }

        private Process Watch(Process process, string name)
        {
            process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine($"{name}: {e.Data}"); };
            process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine($"{name}: {e.Data}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        public static async Task<Pair> StartAsync(NamespaceLab lab, SystemdUnitFile agentUnit, SystemdUnitFile webUnit, string root,
            string etc, string web, string seccomp, string token)
        {
            var pair = new Pair(lab, agentUnit, webUnit, root, etc, web, seccomp, token);
            // Generous: a cold start of two .NET processes on a loaded 2-core box; returns as soon as the web answers.
            var deadline = DateTime.UtcNow.AddSeconds(180);
            while (DateTime.UtcNow < deadline)
            {
                if (pair._agent.HasExited || pair._web.HasExited)
                {
                    var output = pair.Output;
                    await pair.DisposeAsync();
                    throw new InvalidOperationException($"a process exited:\n{output}");
                }
                try
                {
                    using var response = await pair.Http.GetAsync("api/v1/settings");
                    if (response.IsSuccessStatusCode) return pair;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(200);
            }
            var timedOut = pair.Output;
            await pair.DisposeAsync();
            throw new TimeoutException($"natgw did not answer within 180 s:\n{timedOut}");
        }

        /// <summary>/proc/PID/status: the agent is uid 0 holding exactly the unit's capabilities; the web a non-root uid with none;
        /// the socket is the web group's.</summary>
        public void AssertCapabilities(SystemdUnitFile agentUnit)
        {
            // root:natgw 0660: the agent gave its socket to the web's group without CAP_CHOWN (SupplementaryGroups=).
            var socket = ProcessRunner.Run("stat", "-c", "%u:%g %a", Path.Combine(_runtimeDirectory, "agent.sock")).EnsureSuccess("stat");
            Assert.Equal($"0:{WebUid} 660", socket.StandardOutput.Trim());
            var agent = Status(_agent.Id);
            Assert.Equal("0", agent["Uid"].Split('\t')[0]);
            Assert.Equal(CapabilityMask(agentUnit.BoundingCapabilities), Convert.ToUInt64(agent["CapPrm"], 16));
            Assert.Equal(CapabilityMask(agentUnit.BoundingCapabilities), Convert.ToUInt64(agent["CapBnd"], 16));
            var web = Status(_web.Id);
            Assert.Equal(WebUid.ToString(CultureInfo.InvariantCulture), web["Uid"].Split('\t')[1]); // effective uid
            Assert.Equal(0UL, Convert.ToUInt64(web["CapEff"], 16));
            Assert.Equal(0UL, Convert.ToUInt64(web["CapPrm"], 16));
            Assert.Equal(0UL, Convert.ToUInt64(web["CapBnd"], 16));
        }

        private static Dictionary<string, string> Status(int pid) =>
            File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1].Trim());

        /// <summary>Bits of capabilities(7) numbers, for the names the units use.</summary>
        private static ulong CapabilityMask(IEnumerable<string> names) => names.Aggregate(0UL, (mask, name) => mask | 1UL << name switch
        {
            "CAP_NET_ADMIN" => 12,
            "CAP_NET_RAW" => 13,
            "CAP_SYS_ADMIN" => 21,
            "CAP_SYSLOG" => 34,
            "CAP_DAC_OVERRIDE" => 1,
            "CAP_DAC_READ_SEARCH" => 2,
            _ => throw new NotSupportedException($"add {name}'s number (capabilities(7))"),
        });

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            foreach (var process in new[] { _web, _agent })
            {
                try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
            }
            Directory.Delete(_runtimeDirectory, recursive: true);
        }
    }
}
