using System.Diagnostics;
using System.Text;

namespace NatGateway.TestSupport;

/// <summary>
/// The real natgw app started inside a lab namespace (<c>ip netns exec GW dotnet natgw.dll serve ...</c>),
/// with its own database and sysctl.d directory in a temp folder. Output is kept for failure messages.
/// In <see cref="KernelMode.Agent"/>, <c>natgw agent</c> runs as root in the namespace and the web process as
/// <see cref="AgentMode.WebUid"/> with no capabilities (<c>setpriv ... serve --agent SOCK</c>); the agent writes the
/// sysctl.d/modprobe.d files into the same folders, and a test can kill and restart it alone.
/// </summary>
public sealed class NatgwProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;
    private readonly INamespaceProcesses? _lab;
    private Process? _agent;

    public KernelMode Mode { get; }
    /// <summary>The web process's pid (in agent mode the unprivileged <c>dotnet natgw.dll serve</c>: ip netns exec and
    /// setpriv exec it, they do not fork).</summary>
    public int WebPid => _process.Id;
    /// <summary>natgw's process id (<c>ip netns exec</c> execs dotnet in place); the web's in agent mode.</summary>
    public int ProcessId => _process.Id;
    /// <summary>The running agent's pid (agent mode), or null.</summary>
    public int? AgentPid => _agent is { HasExited: false } a ? a.Id : null;
    /// <summary>The agent's Unix socket (agent mode): <c>DATA/run/agent.sock</c>.</summary>
    public string AgentSocket => Path.Combine(DataDirectory, "run", "agent.sock");

    public string Namespace { get; }
    public Uri BaseAddress { get; }
    public string DataDirectory { get; }
    public string DatabasePath => Path.Combine(DataDirectory, "natgw.db");
    public string SysctlDirectory => Path.Combine(DataDirectory, "sysctl.d");
    public string ModprobeDirectory => Path.Combine(DataDirectory, "modprobe.d");
    /// <summary>A client with an admin API token (what most tests act as).</summary>
    public HttpClient Http { get; }
    /// <summary>The secret of <see cref="Http"/>'s admin token.</summary>
    public string AdminToken { get; }

    private readonly bool _ownsDataDirectory;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? _httpsCertificate;

    /// <param name="lab">The lab that owns <paramref name="ns"/>, or null for a namespace the caller owns (the benchmarks').</param>
    private NatgwProcess(INamespaceProcesses? lab, string ns, string listenAddress, int port, IEnumerable<string> extraArgs,
        IDictionary<string, string>? environment, string dataDirectory, bool ownsDataDirectory, string adminToken,
        System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate, KernelMode mode, Process? agent,
        string? natgwDll = null, string environmentName = "Development", bool alsoLoopback = false)
    {
        Namespace = ns;
        _lab = lab;
        Mode = mode;
        _agent = agent;
        _httpsCertificate = httpsCertificate;
        BaseAddress = new Uri($"{(httpsCertificate is null ? "http" : "https")}://{listenAddress}:{port}/");
        _ownsDataDirectory = ownsDataDirectory;
        DataDirectory = dataDirectory;
        AdminToken = adminToken;
        var args = new List<string>
        {
            natgwDll ?? (mode == KernelMode.Agent ? AgentMode.NatgwDll : RepositoryPaths.NatgwDll), "serve",
            "--urls", $"{BaseAddress.Scheme}://{listenAddress}:{port}" + (alsoLoopback ? $";{BaseAddress.Scheme}://127.0.0.1:{port}" : ""),
            "--db", DatabasePath,
        };
        if (mode == KernelMode.Agent)
            // The boot-time files are the agent's to write (it got --sysctl-dir/--modprobe-dir); the static web assets are
            // in the copy's wwwroot (AgentMode), the content root.
            args.AddRange(["--agent", AgentSocket, "--content-root", AgentMode.BinaryDirectory]);
        else
            args.AddRange(["--sysctl-dir", SysctlDirectory, "--modprobe-dir", ModprobeDirectory,
                "--content-root", Path.Combine(RepositoryPaths.Root, "src", "NatGateway.Web")]);
        args.AddRange(["--environment", environmentName]);
        args.AddRange(extraArgs);
        if (lab is null)
            _process = StartInNamespace(ns, args);
        else if (mode == KernelMode.Agent)
        {
            var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
            {
                ["HOME"] = DataDirectory, ["DOTNET_CLI_HOME"] = DataDirectory,
            };
            // Unprivileged, no capabilities in any set, no way back (NoNewPrivileges): what natgw.service gives it.
            var uid = AgentMode.WebUid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _process = lab.Start(ns, "setpriv", ["--reuid", uid, "--regid", uid, "--clear-groups", "--inh-caps", "-all",
                "--bounding-set", "-all", "--no-new-privs", "dotnet", .. args], env);
        }
        else
            _process = lab.Start(ns, "dotnet", args, environment);
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = CreateClient(adminToken.Length > 0 ? adminToken : null);
    }

    private static Process StartInNamespace(string ns, IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, "dotnet" }.Concat(arguments)) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start natgw in {ns}");
    }

    /// <summary>A client of this instance with <paramref name="token"/> as its bearer credential, or anonymous when null.</summary>
    /// <param name="configure">Adjusts the handler further (e.g. a cookie container).</param>
    public HttpClient CreateClient(string? token, Action<SocketsHttpHandler>? configure = null)
    {
        var client = NamespaceSockets.CreateHttpClient(Namespace, BaseAddress, configure: handler =>
        {
            // Under HTTPS the clients trust exactly the test's own certificate.
            if (_httpsCertificate is { } trusted)
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString();
            configure?.Invoke(handler);
        });
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A new API token with <paramref name="role"/> in this instance's database (works while natgw runs).</summary>
    public async Task<string> CreateTokenAsync(NatGateway.Data.Entities.Role role, string? name = null)
    {
        var secret = await TestAccounts.CreateTokenAsync(DatabasePath, role, name ?? $"test-{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}"[..30]);
        if (Mode == KernelMode.Agent) AgentMode.ChownDataDirectory(DataDirectory);
        return secret;
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    private const int StartTimeoutSeconds = 180;

    /// <summary>Starts natgw in <paramref name="ns"/> listening on <paramref name="listenAddress"/> and waits until it answers.</summary>
    /// <param name="environment">Extra environment (e.g. NATGW_FAILPOINT for crash injection).</param>
    /// <param name="dataDirectory">Reuse the database of an earlier instance (a restart); it is then not deleted on dispose.</param>
    /// <param name="allowLoopbackProxy">
    /// Also answer Host 127.0.0.1 (<c>--allowed-hosts LISTEN,127.0.0.1</c>): Chromium reaches the lab's natgw through a
    /// <see cref="NamespaceTcpProxy"/> on 127.0.0.1, as an operator would through a port forward they configured natgw for.
    /// Ignored when <paramref name="extraArgs"/> has its own --allowed-hosts; false to test natgw's default host list.
    /// </param>
    /// <param name="alsoLoopback">Also listen on 127.0.0.1 at the same port (inside the namespace): for loopback-only routes such as /metrics.</param>
    /// <param name="seedAccounts">False starts natgw on an empty database (first run: no account, no token; <see cref="Http"/>
    /// is anonymous, and natgw prints the setup link to <see cref="Output"/>).</param>
    /// <param name="httpsCertificate">Listen on https:// (the test passes --https-certificate/--https-key); clients trust only this certificate.</param>
    public static async Task<NatgwProcess> StartAsync(INamespaceProcesses lab, string ns, string listenAddress, int port = 5080,
        IEnumerable<string>? extraArgs = null, IDictionary<string, string>? environment = null, string? dataDirectory = null,
        bool allowLoopbackProxy = true, System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate = null,
        bool seedAccounts = true, KernelMode mode = KernelMode.SingleProcess, IDictionary<string, string>? agentEnvironment = null,
        bool alsoLoopback = false)
    {
        var args = (extraArgs ?? []).ToList();
        if (allowLoopbackProxy && !args.Contains("--allowed-hosts")) args.AddRange(["--allowed-hosts", $"{listenAddress},127.0.0.1"]);
        var ownsDataDirectory = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("natgw-test-").FullName;
        // The admin account and token the tests sign in with, made the way `natgw user add` / `token create` make them.
        // A database a test broke on purpose is left as it is (natgw must refuse it by itself).
        var databasePath = Path.Combine(dataDirectory, "natgw.db");
        var adminToken = "";
        var brokenOnPurpose = File.Exists(databasePath);
        try
        {
            if (seedAccounts)
            {
                await TestAccounts.EnsureAdminAsync(databasePath);
                // A fresh name each start: a restart on the same data directory keeps the earlier token, and live names are unique.
                adminToken = await TestAccounts.CreateTokenAsync(databasePath, NatGateway.Data.Entities.Role.Admin, $"test-admin-{Guid.NewGuid():N}"[..19]);
            }
        }
        catch (NatGateway.Data.DatabaseUnavailableException) when (brokenOnPurpose) { }
        Process? agent = null;
        if (mode == KernelMode.Agent)
        {
            Directory.CreateDirectory(Path.Combine(dataDirectory, "run"));
            AgentMode.ChownDataDirectory(dataDirectory);
            agent = await StartAgentProcessAsync(lab, ns, dataDirectory, agentEnvironment, line => { });
        }
        var app = new NatgwProcess(lab, ns, listenAddress, port, args, environment, dataDirectory, ownsDataDirectory, adminToken, httpsCertificate, mode, agent,
            alsoLoopback: alsoLoopback);
        if (agent is not null) app.CaptureAgentOutput(agent);
        return await app.WaitUntilAnsweringAsync(seedAccounts);
    }

    /// <summary>
    /// natgw.dll at <paramref name="natgwDll"/> started in a namespace the caller owns (no <see cref="NamespaceLab"/>; the
    /// benchmarks' own namespace), on a fresh database with the admin account and token, once it answers.
    /// </summary>
    /// <param name="prepareDatabase">Writes into the database (its path) before natgw starts on it, e.g. a seeded history.</param>
    public static async Task<NatgwProcess> StartInNamespaceAsync(string ns, string listenAddress, int port, string natgwDll, IEnumerable<string>? extraArgs = null,
        Func<string, Task>? prepareDatabase = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("natgw-bench-").FullName;
        var databasePath = Path.Combine(dataDirectory, "natgw.db");
        await TestAccounts.EnsureAdminAsync(databasePath);
        var adminToken = await TestAccounts.CreateTokenAsync(databasePath, NatGateway.Data.Entities.Role.Admin, "bench-admin");
        if (prepareDatabase is not null)
            try { await prepareDatabase(databasePath); }
            catch
            {
                try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
                throw;
            }
        var args = (extraArgs ?? []).ToList();
        if (!args.Contains("--allowed-hosts")) args.AddRange(["--allowed-hosts", listenAddress]);
        var app = new NatgwProcess(null, ns, listenAddress, port, args, null, dataDirectory, ownsDataDirectory: true, adminToken, null,
            KernelMode.SingleProcess, null, natgwDll, environmentName: "Production"); // measured as shipped
        return await app.WaitUntilAnsweringAsync(seedAccounts: true);
    }

    private async Task<NatgwProcess> WaitUntilAnsweringAsync(bool seedAccounts)
    {
        var app = this;
        // Generous: on a loaded 2-core CI box a cold start (JIT, migrations, first nft apply) has taken over 60 s.
        // The loop returns as soon as natgw answers.
        var deadline = DateTime.UtcNow.AddSeconds(StartTimeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (app._process.HasExited)
            {
                var message = $"natgw exited with {app._process.ExitCode}:\n{app.Output}";
                await app.DisposeAsync();
                throw new InvalidOperationException(message);
            }
            try
            {
                using var response = await app.Http.GetAsync(seedAccounts ? "api/v1/settings" : "healthz");
                if (response.IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        await app.DisposeAsync();
        throw new TimeoutException($"natgw did not answer within {StartTimeoutSeconds} s:\n{app.Output}");
    }

    /// <summary>kill -9 of the whole process tree (the web, and in agent mode the agent too): no shutdown code runs.</summary>
    public async Task KillHardAsync()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        await KillAgentHardAsync();
    }

    /// <summary>
    /// The clean stop an operator's <c>systemctl stop</c> gives (SIGTERM: the web, then in agent mode the agent, which
    /// stops keepalived and conntrackd, its children, as it exits); each waited for, kill -9 after 60 s.
    /// </summary>
    public async Task StopAsync()
    {
        foreach (var p in new[] { _process, _agent })
        {
            if (p is null || p.HasExited) continue;
            // ip netns exec and setpriv exec in place: the pid is natgw's own dotnet process.
            ProcessRunner.Run("kill", "-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            try { await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)); }
            catch (TimeoutException) { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }
        }
    }

    /// <summary>kill -9 of the agent alone (agent mode); the web process keeps running.</summary>
    public async Task KillAgentHardAsync()
    {
        if (_agent is not { } agent) return;
        try { if (!agent.HasExited) agent.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await agent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
    }

    /// <summary>Starts the agent again (agent mode, after <see cref="KillAgentHardAsync"/>), optionally with failpoints in
    /// <paramref name="environment"/>, and returns once its socket accepts connections. The web is not restarted.</summary>
    public async Task StartAgentAsync(IDictionary<string, string>? environment = null)
    {
        if (Mode != KernelMode.Agent) throw new InvalidOperationException("only an agent-mode natgw has an agent");
        if (_agent is { HasExited: false }) throw new InvalidOperationException("the agent is still running");
        _agent = await StartAgentProcessAsync(_lab!, Namespace, DataDirectory, environment, line => { lock (_output) _output.AppendLine(line); });
        CaptureAgentOutput(_agent);
    }

    private void CaptureAgentOutput(Process agent)
    {
        agent.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine("[agent] " + e.Data); };
        agent.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine("[agent] " + e.Data); };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
    }

    private static async Task<Process> StartAgentProcessAsync(INamespaceProcesses lab, string ns, string dataDirectory,
        IDictionary<string, string>? environment, Action<string> log)
    {
        var socket = Path.Combine(dataDirectory, "run", "agent.sock");
        var agent = lab.Start(ns, "dotnet",
        [
            RepositoryPaths.NatgwDll, "agent", "--socket", socket,
            "--web-user", AgentMode.WebUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--sysctl-dir", Path.Combine(dataDirectory, "sysctl.d"),
            "--modprobe-dir", Path.Combine(dataDirectory, "modprobe.d"),
        ], environment);
        // Ready when its socket accepts a connection (a stale socket file from a killed agent refuses).
        var deadline = DateTime.UtcNow.AddSeconds(StartTimeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (agent.HasExited)
            {
                var output = await agent.StandardOutput.ReadToEndAsync() + await agent.StandardError.ReadToEndAsync();
                log(output);
                throw new InvalidOperationException($"natgw agent exited with {agent.ExitCode}:\n{output}");
            }
            if (File.Exists(socket))
            {
                using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                try
                {
                    await probe.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
                    return agent;
                }
                catch (System.Net.Sockets.SocketException) { }
            }
            await Task.Delay(100); // polling interval
        }
        try { agent.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        throw new TimeoutException($"natgw agent did not listen on {socket} within {StartTimeoutSeconds} s");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await KillHardAsync();
        if (_ownsDataDirectory)
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
