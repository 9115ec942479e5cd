using System.Globalization;
using System.Text.RegularExpressions;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// deploy/'s units are checked by systemd itself (verify with ExecStart pointed at the natgw just built; the security
/// score offline), and the install/uninstall scripts statically: they never run here, as they would change the host.
/// </summary>
public sealed partial class DeployUnitTests
{
    private const string Analyze = "/usr/bin/systemd-analyze"; // deploy/test.sh installs systemd.
    private static readonly string[] Units = ["natgw-agent.service", "natgw.service"];

    [Fact]
    public void Both_units_pass_systemd_analyze_verify()
    {
        if (!File.Exists(Analyze)) return; // Only where systemd is installed.
        var agent = SystemdUnitFile.Load("natgw-agent.service").Text;
        var web = SystemdUnitFile.Load("natgw.service").Text;
        Assert.Contains("ExecStart=/opt/natgw/natgw agent --socket /run/natgw/agent.sock --web-user natgw\n", agent);
        Assert.Contains("ExecStart=/opt/natgw/natgw serve --agent /run/natgw/agent.sock ", web);
        Assert.Contains("WorkingDirectory=/opt/natgw", web);
        var built = Path.GetDirectoryName(RepositoryPaths.NatgwDll)!;
        Assert.True(File.Exists(Path.Combine(built, "natgw")), "the natgw apphost must exist next to natgw.dll");

        var dir = Directory.CreateTempSubdirectory("natgw-unit-").FullName;
        try
        {
            // Both in one directory and one call, so natgw.service's Requires=natgw-agent.service resolves to ours.
            // verify does not look up User=natgw, so the user need not exist on this host.
            foreach (var unit in Units)
                File.WriteAllText(Path.Combine(dir, unit),
                    SystemdUnitFile.Load(unit).Text.Replace("/opt/natgw", built, StringComparison.Ordinal));
            var result = ProcessRunner.Run(Analyze, ["verify", .. Units.Select(u => Path.Combine(dir, u))]);
            // verify prints warnings about unrelated host units on some machines: judge only lines about ours.
            var ours = (result.StandardError + result.StandardOutput).Split('\n')
                .Where(l => l.Contains("natgw", StringComparison.Ordinal)).ToList();
            Assert.True(ours.Count == 0 && result.ExitCode == 0, $"exit {result.ExitCode}\n" + string.Join('\n', ours));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("natgw.service", 2.0)]
    [InlineData("natgw-agent.service", 5.0)]
    public void The_unit_exposure_score_is_at_most_the_issues_bound(string unit, double bound)
    {
        if (!File.Exists(Analyze)) return;
        var result = ProcessRunner.Run(Analyze, "security", "--offline=yes", "--no-pager", SystemdUnitFile.Load(unit).Path)
            .EnsureSuccess("systemd-analyze security");
        // systemd 252: "→ Overall exposure level for natgw.service: 1.2 OK 🙂"
        var match = ExposureLine().Match(result.StandardOutput);
        Assert.True(match.Success, result.StandardOutput);
        Assert.Equal(unit, match.Groups["unit"].Value);
        var score = double.Parse(match.Groups["score"].Value, CultureInfo.InvariantCulture);
        Assert.True(score <= bound, $"{unit} scores {score} > {bound}:\n{result.StandardOutput}");
    }

    /// <summary>CoreCLR starts under each unit's system-call filter and address families (it failed to, with
    /// HRESULT 0x8007054F, while sched_setaffinity was refused).</summary>
    [Theory]
    [InlineData("natgw.service")]
    [InlineData("natgw-agent.service")]
    public void The_built_natgw_starts_under_the_units_system_call_filter(string unit)
    {
        if (!File.Exists(Analyze) || !File.Exists("/usr/bin/python3")) return; // deploy/test.sh installs both.
        var sandbox = SystemdUnitFile.Load(unit).SeccompArguments(SystemdUnitFile.SeccompScript);
        var result = ProcessRunner.Run(sandbox[0], [.. sandbox.Skip(1), "dotnet", RepositoryPaths.NatgwDll, "--version"]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        Assert.Matches(@"^\d+\.\d+\.\d+", result.StandardOutput);
    }

    [Fact]
    public void The_web_unit_runs_as_natgw_with_no_capabilities_and_the_agent_with_only_net_admin_sys_admin_and_syslog()
    {
        var web = SystemdUnitFile.Load("natgw.service");
        Assert.Equal(["natgw"], web.Values("User"));
        Assert.Empty(web.BoundingCapabilities);
        Assert.Empty(web.Values("AmbientCapabilities"));
        Assert.Equal(["yes"], web.Values("NoNewPrivileges"));
        Assert.DoesNotContain("AF_NETLINK", web.Values("RestrictAddressFamilies"));
        Assert.Equal(["natgw-agent.service"], web.Values("Requires"));

        var agent = SystemdUnitFile.Load("natgw-agent.service");
        Assert.Empty(agent.Values("User"));
        // CAP_NET_RAW: the HA pair's keepalived (a child of the agent) sends VRRP on a raw socket.
        Assert.Equal(["CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYSLOG", "CAP_SYS_ADMIN"], agent.BoundingCapabilities.Order(StringComparer.Ordinal));
        Assert.Equal(["natgw"], agent.Values("RuntimeDirectory"));
        Assert.Equal(["natgw"], agent.Values("SupplementaryGroups")); // chgrp of its socket without CAP_CHOWN
        Assert.Equal(["/etc/modprobe.d", "/etc/sysctl.d"], agent.Values("ReadWritePaths").Order());
    }

    /// <summary>
    /// What the doctor needs from the agent's sandbox, as the unit says it (systemd itself is not PID 1 here, so the
    /// namespace settings are checked as text; UnitCapabilitiesKernelTests runs the reads under the filter and capabilities):
    /// /dev/kmsg reachable and readable only, tracefs mounted by systemd before the filter refuses mount(2), /sys writable.
    /// </summary>
    [Fact]
    public void The_agent_unit_lets_the_doctor_read_kmsg_and_capture_drops_and_no_more()
    {
        var agent = SystemdUnitFile.Load("natgw-agent.service");
        // PrivateDevices=yes builds a /dev without kmsg; ProtectKernelLogs=yes makes /dev/kmsg inaccessible.
        Assert.Equal(["no"], agent.Values("PrivateDevices"));
        Assert.Equal(["no"], agent.Values("ProtectKernelLogs"));
        // Without PrivateDevices the device cgroup is the fence: pseudo devices plus kmsg, read-only.
        Assert.Equal(["closed"], agent.Values("DevicePolicy"));
        Assert.Equal(["/dev/kmsg r"], agent.Assignments("DeviceAllow"));
        // dmesg_restrict=1 wants CAP_SYSLOG (CAP_SYS_ADMIN only as a deprecated fallback).
        Assert.Contains("CAP_SYSLOG", agent.BoundingCapabilities);
        // tracefs: mounted by Debian's sys-kernel-tracing.mount, ordered before us; the filter still refuses mount(2).
        Assert.Equal(["sys-kernel-tracing.mount"], agent.Values("Wants").Where(u => u.Contains("tracing", StringComparison.Ordinal)));
        Assert.Contains("sys-kernel-tracing.mount", agent.Values("After"));
        Assert.DoesNotContain(agent.Values("SystemCallFilter"), f => f.Contains("@mount", StringComparison.Ordinal) || f == "mount");
        // The tracefs instance is a mkdir under /sys: ProtectSystem=strict leaves /sys to ProtectKernelTunables, which is off.
        Assert.Equal(["strict"], agent.Values("ProtectSystem"));
        Assert.Empty(agent.Values("ProtectKernelTunables"));
        Assert.DoesNotContain(agent.Values("ReadOnlyPaths").Concat(agent.Values("InaccessiblePaths")), p => p.StartsWith("/sys", StringComparison.Ordinal));
    }

    /// <summary>uninstall.sh removes everything install.sh creates: the same unit list, user, group, app folder and /run/natgw.</summary>
    [Fact]
    public void Uninstall_removes_what_install_creates()
    {
        var deploy = Path.Combine(RepositoryPaths.Root, "deploy");
        string[] scripts = ["install.sh", "uninstall.sh", "run.sh", "lib/common.sh"];
        foreach (var script in scripts)
            ProcessRunner.Run("bash", "-n", Path.Combine(deploy, script)).EnsureSuccess($"bash -n {script}");

        // The unit list both scripts loop over is exactly the units shipped in deploy/.
        var listed = ProcessRunner.Run("bash", "-c", "source \"$0\" && printf '%s\\n' \"${NATGW_UNITS[@]}\" && echo \"user=$NATGW_USER\"",
                Path.Combine(deploy, "lib", "common.sh"))
            is var r && r.ExitCode == 0 ? r.StandardOutput : throw new InvalidOperationException(r.StandardError);
        var units = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("user=", StringComparison.Ordinal));
        Assert.Equal(Directory.GetFiles(deploy, "*.service").Select(Path.GetFileName).Order(), units.Order());
        Assert.Contains("user=natgw", listed);

        var install = File.ReadAllText(Path.Combine(deploy, "install.sh"));
        var uninstall = File.ReadAllText(Path.Combine(deploy, "uninstall.sh"));
        (string Creates, string Removes)[] pairs =
        [
            ("for unit in \"${NATGW_UNITS[@]}\"", "for unit in \"${NATGW_UNITS[@]}\""),
            ("> \"/etc/systemd/system/$unit\"", "rm -f \"/etc/systemd/system/$unit\""),
            ("systemctl enable \"${NATGW_UNITS[@]}\"", "systemctl disable --now \"$unit\""),
            ("useradd --system", "userdel \"$NATGW_USER\""),
            ("groupadd --system \"$NATGW_USER\"", "groupdel \"$NATGW_USER\""),
            ("-o \"$prefix\"", "rm -rf \"$prefix\""),
            ("systemctl daemon-reload", "systemctl daemon-reload"),
        ];
        foreach (var (creates, removes) in pairs)
        {
            Assert.Contains(creates, install);
            Assert.Contains(removes, uninstall);
        }
        // The agent's RuntimeDirectory is /run/natgw; uninstall removes it too (an agent run by hand leaves it behind).
        Assert.Equal(["natgw"], SystemdUnitFile.Load("natgw-agent.service").Values("RuntimeDirectory"));
        Assert.Contains("rm -rf \"/run/$NATGW_USER\"", uninstall);
        // run.sh (the quick start) publishes to a root-owned folder and makes the same user; uninstall removes both.
        var run = File.ReadAllText(Path.Combine(deploy, "run.sh"));
        Assert.Contains("app=/usr/local/lib/natgw", run);
        Assert.Contains("useradd --system", run);
        Assert.Contains("rm -rf /usr/local/lib/natgw", uninstall);
        // The data stays unless --purge.
        Assert.Contains("if [ \"$purge\" -eq 1 ]; then\n  rm -rf \"/var/lib/$NATGW_USER\"", uninstall);

        if (File.Exists("/usr/bin/shellcheck"))
            // The scripts cd to the repository and source deploy/lib/common.sh from there.
            ProcessRunner.Run("shellcheck", ["-x", "--source-path=SCRIPTDIR/..", .. scripts.Select(s => Path.Combine(deploy, s))])
                .EnsureSuccess("shellcheck");
    }

    [GeneratedRegex(@"Overall exposure level for (?<unit>\S+): (?<score>\d+\.\d+)")]
    private static partial Regex ExposureLine();
}
