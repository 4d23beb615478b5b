using System.Net;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Sessions;

namespace PromptLeo.Tests.Web.Hosting;

public sealed class FailureThrottleTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void RecordFailure_PastFreeFailures_WaitDoublesUpToTheCap()
    {
        var time = new ManualTime();
        var throttle = new FailureThrottle(2, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), time);
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure("a"));
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure("a"));
        Assert.Null(throttle.RetryAfter("a"));
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.RecordFailure("a"));
        Assert.Equal(TimeSpan.FromSeconds(2), throttle.RecordFailure("a"));
        Assert.Equal(TimeSpan.FromSeconds(4), throttle.RecordFailure("a"));
        Assert.Equal(TimeSpan.FromSeconds(5), throttle.RecordFailure("a"));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.FromSeconds(5), throttle.RecordFailure("a")); // no overflow on long attacks
        }
        Assert.Equal(TimeSpan.FromSeconds(5), throttle.RetryAfter("a"));
        Assert.Null(throttle.RetryAfter("b")); // keys are independent
        time.Now += TimeSpan.FromSeconds(5);
        Assert.Null(throttle.RetryAfter("a"));
    }

    [Fact]
    public void RecordFailure_AfterForgetWindow_StartsFreeAgain_ResetClears()
    {
        var time = new ManualTime();
        var throttle = new FailureThrottle(1, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), time);
        throttle.RecordFailure("a");
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.RecordFailure("a"));
        time.Now += TimeSpan.FromHours(2);
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure("a"));
        throttle.RecordFailure("a");
        throttle.Reset("a");
        Assert.Null(throttle.RetryAfter("a"));
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    public void AddressKey_GroupsIPv6ByItsSlash64(string address, string key) =>
        Assert.Equal(key, FailureThrottle.AddressKey(IPAddress.Parse(address)));

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Windows")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iOS")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux")]
    [InlineData("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android")]
    [InlineData("", "Unknown browser")]
    public void Device_NamesBrowserAndSystemOnly(string userAgent, string device) =>
        Assert.Equal(device, ClientDescription.Device(userAgent));

    [Theory]
    [InlineData("203.0.113.77", "203.0.113.0/24")]
    [InlineData("::ffff:198.51.100.9", "198.51.100.0/24")]
    [InlineData("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::/48")]
    public void Network_DropsTheHostPart(string address, string network) =>
        Assert.Equal(network, ClientDescription.Network(IPAddress.Parse(address)));
}
