using Microsoft.Extensions.Time.Testing;
using NatGateway.Web.Access;
using Xunit;

namespace NatGateway.Web.Tests.Access;

public sealed class DenialThrottleTests
{
    [Fact]
    public void A_flood_from_one_address_is_capped_per_minute_and_the_next_recorded_denial_counts_what_was_left_out()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T00:00:00Z"));
        var throttle = new DenialThrottle(clock);

        var recorded = Enumerable.Range(0, 250).Count(_ => throttle.TryRecord("192.0.2.7", out long _));
        Assert.Equal(DenialThrottle.PerMinute, recorded);
        // Another address has its own allowance.
        Assert.True(throttle.TryRecord("192.0.2.8", out var other));
        Assert.Equal(0L, other);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(throttle.TryRecord("192.0.2.7", out _));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.TryRecord("192.0.2.7", out var suppressed));
        Assert.Equal(250L - DenialThrottle.PerMinute + 1, suppressed);
        Assert.True(throttle.TryRecord("192.0.2.7", out var none));
        Assert.Equal(0L, none);
    }
}
