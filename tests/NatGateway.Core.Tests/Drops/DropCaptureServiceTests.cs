using NatGateway.Core.Doctor;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tests.Fakes;
using Xunit;

namespace NatGateway.Core.Tests.Drops;

/// <summary>One capture at a time, 1–60 s, the latest kept, and the kernel's refusal passed on with its reason.</summary>
public sealed class DropCaptureServiceTests
{
    private static readonly DropCapture Sample = new(TimeSpan.FromSeconds(3), 5, false,
        [new("NETFILTER_DROP", 3), new("IP_RPFILTER", 2)], [new("nft_do_chain", 3), new("ip_rcv_finish_core", 2)]);

    [Theory]
    [InlineData(0)]
    [InlineData(61)]
    [InlineData(-5)]
    public async Task A_duration_outside_1_to_60_seconds_is_refused_naming_seconds(int seconds)
    {
        var service = new DropCaptureService(new InMemoryKernel(), TimeProvider.System);
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => service.CaptureAsync(seconds));
        Assert.Equal("seconds", e.ParamName);
        Assert.NotNull(DropCaptureService.Validate(seconds));
    }

    [Fact]
    public async Task A_second_capture_while_one_runs_is_refused_and_the_first_becomes_the_latest()
    {
        var kernel = new InMemoryKernel();
        using var release = new ManualResetEventSlim();
        TimeSpan? asked = null;
        kernel.FakeDiagnostics.CaptureBy = d => { asked = d; release.Wait(TimeSpan.FromSeconds(60)); return Sample; };
        var service = new DropCaptureService(kernel, TimeProvider.System);
        Assert.Null(service.Latest);

        var first = service.CaptureAsync(3);
        Assert.NotNull(service.Running);
        var refused = await Assert.ThrowsAsync<DropCaptureRunningException>(() => service.CaptureAsync(5));
        Assert.StartsWith("a capture is running", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, refused.Seconds);

        release.Set();
        var run = await first;
        Assert.Equal(TimeSpan.FromSeconds(3), asked);
        Assert.Same(run, service.Latest);
        Assert.Equal(5, run.Capture.Events);
        Assert.Null(service.Running);
        Assert.Equal(5, (await service.CaptureAsync(1)).Capture.Events); // the slot is free again
    }

    [Fact]
    public async Task A_kernel_without_tracefs_is_refused_with_its_reason_and_frees_the_slot()
    {
        var kernel = new InMemoryKernel();
        kernel.FakeDiagnostics.CaptureBy = _ => throw new NotSupportedException("tracefs is not available: test");
        var service = new DropCaptureService(kernel, TimeProvider.System);
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => service.CaptureAsync(2));
        Assert.Equal("tracefs is not available: test", e.Message);
        Assert.Null(service.Running);
        Assert.Null(service.Latest);
    }
}
