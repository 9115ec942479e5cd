using NatGateway.Core.Kernel;

namespace NatGateway.Web.Hosting;

/// <summary>Which <see cref="IGatewayKernel"/> the app talks to: its own (single-process mode) or the agent's.</summary>
public static class KernelRegistration
{
    public static IServiceCollection AddGatewayKernel(this IServiceCollection services, ServeOptions options)
    {
        // One set of compile options for the app and its kernel side: mark bits and table names must agree.
        var compileOptions = new NatGateway.Nftables.NatCompileOptions();
        services.AddSingleton(compileOptions);
        if (options.AgentSocket is { } socket)
        {
            // Agent mode: this process holds no kernel capability; every operation is a request to natgw agent.
            services.AddSingleton<IGatewayKernel>(new NatGateway.Agent.Client.AgentGatewayKernel(socket));
            return services;
        }
        services.AddSingleton<IGatewayKernel>(new LocalGatewayKernel(new ProcSysctl(options.ProcSysRoot),
            new PersistencePaths(options.SysctlDirectory, options.ModprobeDirectory), compileOptions,
            cluster: new NatGateway.Core.Cluster.ClusterServiceOptions
            {
                // Beside the database: one natgw, one run directory (keepalived's pid files, conntrackd's lock and socket).
                Files = new(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath)) ?? "/var/lib/natgw", "cluster")),
            }));
        return services;
    }
}
