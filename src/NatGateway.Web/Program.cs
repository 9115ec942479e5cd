using NatGateway.Web.Cli;

return await NatgwCli.Build().Parse(args).InvokeAsync();
