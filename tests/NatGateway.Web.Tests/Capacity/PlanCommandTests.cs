using NatGateway.Web.Cli;
using Xunit;

namespace NatGateway.Web.Tests.Capacity;

/// <summary><c>natgw plan</c> refuses bad input with exit code 2 and one message per option, before reading the kernel.</summary>
public sealed class PlanCommandTests
{
    [Theory]
    [InlineData("entries", "-5", "natgw plan: --entries: expected entries cannot be negative")]
    [InlineData("peak", "0.5", "natgw plan: --peak: the peak factor is at least 1")]
    [InlineData("budget", "12XB", "natgw plan: --budget: '12XB' is not a size")]
    [InlineData("tcpRate", "fast", "natgw plan: --tcp-rate: 'fast' is not a number")]
    [InlineData("snatPorts", "9-3", "natgw plan: --snat-ports: not a port range")]
    public void Bad_values_exit_with_2_naming_the_option(string field, string value, string message)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var input = new Dictionary<string, string?> { ["entries"] = "1000", [field] = value };

        var exit = PlanCommand.Run(input, "json", stdout, stderr);

        Assert.Equal(PlanCommand.BadInputExitCode, exit);
        Assert.StartsWith(message, stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public void An_unknown_output_format_and_a_missing_load_exit_with_2()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, PlanCommand.Run(new Dictionary<string, string?> { ["entries"] = "1000" }, "xml", TextWriter.Null, stderr));
        Assert.Contains("--output: 'xml' is not text or json", stderr.ToString());

        stderr = new StringWriter();
        Assert.Equal(2, PlanCommand.Run(new Dictionary<string, string?>(), "text", TextWriter.Null, stderr));
        Assert.Contains("--entries: give expected entries, connection rates or a memory budget", stderr.ToString());
    }

    [Fact]
    public void An_unknown_option_exits_with_2()
    {
        var error = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            Assert.Equal(2, NatgwCli.Build().Parse(["plan", "--entries", "1000", "--colour", "blue"]).Invoke());
        }
        finally
        {
            Console.SetError(error);
        }
        Assert.Contains("unknown option or argument '--colour'", captured.ToString());
    }
}
