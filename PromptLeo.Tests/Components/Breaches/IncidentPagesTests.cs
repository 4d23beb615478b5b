using System.Globalization;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Breaches;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Components.Breaches;

/// <summary>The incident pages, clicked, against the real app's register, database, mail transport and audit log.</summary>
public sealed class IncidentPagesTests : BunitContext, IAsyncLifetime, IClassFixture<PortalFactory>
{
    private readonly PortalFactory portal;

    public IncidentPagesTests(PortalFactory portal)
    {
        this.portal = portal;
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddLogging();
        Services.AddSingleton(portal.Services.GetRequiredService<BreachRegister>());
        Services.AddSingleton(TimeProvider.System);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public async Task InitializeAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var adminId = (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(PortalFactory.AdminEmail))!.Id;
        AddAuthorization().SetAuthorized(PortalFactory.AdminEmail).SetRoles(Roles.Admin).SetClaims(new Claim(ClaimTypes.NameIdentifier, adminId));
    }

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private static AngleSharp.Dom.IElement Field(IRenderedComponent<IncidentsPage> cut, string id) =>
        cut.Find($"input#{id}, textarea#{id}, #{id} input, #{id} textarea");

    [Fact]
    public async Task RecordForm_WindowEndBeforeStart_ShowsMessageAndStoresNothing()
    {
        var before = (await portal.Services.GetRequiredService<BreachRegister>().ListAsync()).Count;
        // Dates and times as a German reader types them into the pickers; the messages stay in the UI language (English).
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            var cut = Render<IncidentsPage>();

            Field(cut, "description").Change("Test breach");
            cut.Find("input[data-nature=Confidentiality]").Change(true);
            cut.Find("input[data-category='usage metadata']").Change(true);
            Field(cut, "window-start-date").Change("30.11.2026");
            Field(cut, "window-start-time").Change("10:00");
            Field(cut, "window-end-date").Change("30.11.2026");
            Field(cut, "window-end-time").Change("09:00");
            Field(cut, "consequences").Change("None known");
            Field(cut, "measures").Change("Closed the hole");
            await cut.InvokeAsync(() => cut.Find("#record-incident").Click());

            Assert.Equal("The end of the incident window cannot be before its start.", cut.Find("#incident-errors").TextContent.Trim());
            Assert.Equal(before, (await portal.Services.GetRequiredService<BreachRegister>().ListAsync()).Count);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("de-DE", "dd.MM.yyyy", "HH:mm")]
    [InlineData("en-US", "M/d/yyyy", "hh:mm tt")]
    public void RecordForm_DiscoveredAt_DateAndTimePickersInTheReadersCulture(string culture, string dateFormat, string timeFormat)
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo(culture);
        try
        {
            var cut = Render<IncidentsPage>();
            var now = DateTime.UtcNow;
            Assert.Equal(now.ToString(dateFormat, CultureInfo.CurrentCulture), Field(cut, "discovered-date").GetAttribute("value"));
            Assert.Contains(Field(cut, "discovered-time").GetAttribute("value"), new[] { now, now.AddMinutes(-1) }.Select(t => t.ToString(timeFormat, CultureInfo.CurrentCulture)));
            // MudBlazor's pickers, never the browser's native date or time input (its format follows the browser, not the portal).
            Assert.Empty(cut.FindAll("input[type=date], input[type=time], input[type=datetime-local]"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public async Task IncidentPage_ErasedAccountsExplained_NoticeNeedsConfirmation_ThenSent()
    {
        var model = "breach-bunit-" + Guid.NewGuid().ToString("N")[..8];
        var live = await BreachSeed.UserAsync(portal, "en");
        var erased = await BreachSeed.UserAsync(portal, "de");
        await BreachSeed.RecordAsync(portal, live, model, DateTimeOffset.UtcNow.AddHours(-1));
        await BreachSeed.RecordAsync(portal, erased, model, DateTimeOffset.UtcNow.AddHours(-1));
        Assert.NotEmpty((await portal.Services.GetRequiredService<AccountEraser>().EraseAsync(erased, erased)).Certificate);
        var now = DateTimeOffset.UtcNow;
        var incident = (await portal.Services.GetRequiredService<BreachRegister>().RecordAsync("admin", BreachSeed.Input(now, now.AddHours(-2), now, model))).Incident!;

        var cut = Render<IncidentPage>(p => p.Add(c => c.Id, incident.Id));

        Assert.Contains("2 accounts with 2 processing records in the period; 1 of them are erased.", cut.Find("#affected-count").TextContent);
        Assert.Contains("cannot be notified", cut.Find("#affected-erased").TextContent);
        Assert.Single(cut.FindAll("[data-affected]"));
        Assert.True(cut.Find("#notify-users").HasAttribute("disabled"));

        cut.Find("input#confirm-notice, #confirm-notice input").Change(true);
        await cut.InvokeAsync(() => cut.Find("#notify-users").Click());

        cut.WaitForAssertion(() => Assert.Contains("Notice sent to 1 accounts; 1 accounts could not be notified", cut.Find("#incident-messages").TextContent));
        Assert.Equal("Important: a security incident concerning your data", (await MailPickup.WaitForMailToAsync(portal.MailDirectory, await BreachSeed.EmailOfAsync(portal, live))).Subject);
        Assert.Contains("1 accounts", cut.Find("#users-status").TextContent);
    }

    [Fact]
    public async Task IncidentsList_DiscoveryTime_InTheFormatOfTheIncidentPage()
    {
        var now = DateTimeOffset.UtcNow;
        var incident = (await portal.Services.GetRequiredService<BreachRegister>().RecordAsync("admin", BreachSeed.Input(now, now.AddHours(-2), now, "breach-list-" + Guid.NewGuid().ToString("N")[..8]))).Incident!;

        var cut = Render<IncidentsPage>();

        Assert.Contains(new PromptLeo.Web.Features.Reports.ReportText("en").DateTime(incident.DiscoveredAt), cut.Markup);
    }

    [Fact]
    public void IncidentPage_UnknownId_SaysSo() =>
        Assert.Equal("There is no incident with this number.", Render<IncidentPage>(p => p.Add(c => c.Id, 987_654)).Find("#incident-missing").TextContent.Trim());
}
