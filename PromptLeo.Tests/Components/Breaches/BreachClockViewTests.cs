using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Breaches;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Breaches;

namespace PromptLeo.Tests.Components.Breaches;

/// <summary>The 72-hour clock chip, rendered against a clock the test moves.</summary>
public sealed class BreachClockViewTests : BunitContext, IAsyncLifetime
{
    private static readonly DateTimeOffset Discovered = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private readonly ManualTime time = new(Discovered.AddMinutes(1));

    public BreachClockViewTests()
    {
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddSingleton<TimeProvider>(time);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    [Fact]
    public void Clock_BeforeDeadline_ShowsRemainingTime_AfterDeadline_OverdueInRed()
    {
        var incident = new BreachIncident { Id = 1, DiscoveredAt = Discovered };
        var cut = Render<BreachClockView>(p => p.Add(c => c.Incident, incident));

        var running = cut.Find(".breach-clock");
        Assert.Equal("Running", running.GetAttribute("data-clock-state"));
        Assert.Contains("71 h 59 min left to notify the authority", running.TextContent);
        Assert.DoesNotContain("mud-chip-color-error", running.ClassName);

        time.Now = Discovered.AddHours(73).AddMinutes(30);
        cut.Render(p => p.Add(c => c.Incident, incident));

        var overdue = cut.Find(".breach-clock");
        Assert.Equal("Overdue", overdue.GetAttribute("data-clock-state"));
        Assert.Contains("Overdue by 1 h 30 min", overdue.TextContent);
        Assert.Contains("mud-chip-color-error", overdue.ClassName);
    }

    [Fact]
    public void Clock_NotifiedAfterDeadline_ShowsHowLate()
    {
        var incident = new BreachIncident { Id = 2, DiscoveredAt = Discovered, AuthorityNotifiedAt = Discovered.AddHours(80) };

        var chip = Render<BreachClockView>(p => p.Add(c => c.Incident, incident)).Find(".breach-clock");

        Assert.Equal("NotifiedLate", chip.GetAttribute("data-clock-state"));
        Assert.Contains("Authority notified 8 h 00 min late", chip.TextContent);
    }

    [Fact]
    public void BreachPages_EveryString_HasGermanEntry() => GermanStrings.AssertFeatureTranslated("BreachResource", "Features/Breaches", 80);
}
