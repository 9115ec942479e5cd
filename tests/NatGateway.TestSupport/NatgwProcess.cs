using System.Diagnostics;
using System.Text;

namespace NatGateway.TestSupport;

/// <summary>
/// The real natgw app started inside a lab namespace (<c>ip netns exec GW dotnet natgw.dll serve ...</c>),
/// with its own database and sysctl.d directory in a temp folder. Output is kept for failure messages.
/// </summary>
public sealed class NatgwProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

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

    private NatgwProcess(Func<IEnumerable<string>, Process> start, string ns, string natgwDll, string listenAddress, int port, IEnumerable<string> extraArgs,
        string dataDirectory, bool ownsDataDirectory, string adminToken,
        System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate, string environmentName = "Development")
    {
        Namespace = ns;
        _httpsCertificate = httpsCertificate;
        BaseAddress = new Uri($"{(httpsCertificate is null ? "http" : "https")}://{listenAddress}:{port}/");
        _ownsDataDirectory = ownsDataDirectory;
        DataDirectory = dataDirectory;
        AdminToken = adminToken;
        var args = new List<string>
        {
            natgwDll, "serve",
            "--urls", $"{BaseAddress.Scheme}://{listenAddress}:{port}",
            "--db", DatabasePath,
            "--sysctl-dir", SysctlDirectory,
            "--modprobe-dir", ModprobeDirectory,
            "--content-root", Path.Combine(RepositoryPaths.Root, "src", "NatGateway.Web"),
            "--environment", environmentName,
        };
        args.AddRange(extraArgs);
        _process = start(args);
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = CreateClient(adminToken.Length > 0 ? adminToken : null);
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
    public Task<string> CreateTokenAsync(NatGateway.Data.Entities.Role role, string? name = null) =>
        TestAccounts.CreateTokenAsync(DatabasePath, role, name ?? $"test-{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}"[..30]);

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>natgw's process id (<c>ip netns exec</c> execs dotnet in place).</summary>
    public int ProcessId => _process.Id;

    private const int StartTimeoutSeconds = 180;

    /// <summary>Starts natgw in <paramref name="ns"/> listening on <paramref name="listenAddress"/> and waits until it answers.</summary>
    /// <param name="environment">Extra environment (e.g. NATGW_FAILPOINT for crash injection).</param>
    /// <param name="dataDirectory">Reuse the database of an earlier instance (a restart); it is then not deleted on dispose.</param>
    /// <param name="allowLoopbackProxy">
    /// Also answer Host 127.0.0.1 (<c>--allowed-hosts LISTEN,127.0.0.1</c>): Chromium reaches the lab's natgw through a
    /// <see cref="NamespaceTcpProxy"/> on 127.0.0.1, as an operator would through a port forward they configured natgw for.
    /// Ignored when <paramref name="extraArgs"/> has its own --allowed-hosts; false to test natgw's default host list.
    /// </param>
    /// <param name="seedAccounts">False starts natgw on an empty database (first run: no account, no token; <see cref="Http"/>
    /// is anonymous, and natgw prints the setup link to <see cref="Output"/>).</param>
    /// <param name="httpsCertificate">Listen on https:// (the test passes --https-certificate/--https-key); clients trust only this certificate.</param>
    public static async Task<NatgwProcess> StartAsync(NamespaceLab lab, string ns, string listenAddress, int port = 5080,
        IEnumerable<string>? extraArgs = null, IDictionary<string, string>? environment = null, string? dataDirectory = null,
        bool allowLoopbackProxy = true, System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate = null,
        bool seedAccounts = true)
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
        var app = new NatgwProcess(a => lab.Start(ns, "dotnet", a, environment), ns, RepositoryPaths.NatgwDll, listenAddress, port, args,
            dataDirectory, ownsDataDirectory, adminToken, httpsCertificate);
        return await app.WaitUntilAnsweringAsync(seedAccounts);
    }

    /// <summary>
    /// natgw.dll at <paramref name="natgwDll"/> started in a namespace the caller owns (no <see cref="NamespaceLab"/>; the
    /// benchmarks' own namespace), on a fresh database with the admin account and token, once it answers.
    /// </summary>
    public static async Task<NatgwProcess> StartInNamespaceAsync(string ns, string listenAddress, int port, string natgwDll, IEnumerable<string>? extraArgs = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("natgw-bench-").FullName;
        var databasePath = Path.Combine(dataDirectory, "natgw.db");
        await TestAccounts.EnsureAdminAsync(databasePath);
        var adminToken = await TestAccounts.CreateTokenAsync(databasePath, NatGateway.Data.Entities.Role.Admin, "bench-admin");
        var args = (extraArgs ?? []).ToList();
        if (!args.Contains("--allowed-hosts")) args.AddRange(["--allowed-hosts", listenAddress]);
        static Process Start(string ns, IEnumerable<string> arguments)
        {
            var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "netns", "exec", ns, "dotnet" }.Concat(arguments)) psi.ArgumentList.Add(a);
            return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start natgw in {ns}");
        }
        var app = new NatgwProcess(a => Start(ns, a), ns, natgwDll, listenAddress, port, args, dataDirectory, ownsDataDirectory: true, adminToken, null,
            environmentName: "Production"); // measured as shipped
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
                throw new InvalidOperationException($"natgw exited with {app._process.ExitCode}:\n{app.Output}");
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

    /// <summary>kill -9 of the whole process tree: no shutdown code runs.</summary>
    public async Task KillHardAsync()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await KillHardAsync();
        if (_ownsDataDirectory)
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
