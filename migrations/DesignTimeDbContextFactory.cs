using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using NatGateway.Data;

namespace NatGateway.Migrations;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the web host.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<NatGatewayDbContext>
{
    public NatGatewayDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        DatabaseSetup.Configure(options, Path.Combine(Path.GetTempPath(), "natgw-design.db"));
        return new NatGatewayDbContext(options.Options);
    }
}
