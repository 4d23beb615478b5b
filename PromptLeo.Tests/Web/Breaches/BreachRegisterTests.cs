using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Breaches;

public sealed class BreachRegisterTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static string Model() => "breach-model-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task FindAffected_RecordsInAndOutsideWindow_CountsOnlyInsideAndErasedSeparately()
    {
        var model = Model();
        var inside = await BreachSeed.UserAsync(factory, "en");
        var outside = await BreachSeed.UserAsync(factory, "de");
        var erased = await BreachSeed.UserAsync(factory, "de");
        await BreachSeed.RecordAsync(factory, inside, model, Now.AddHours(-5));
        await BreachSeed.RecordAsync(factory, inside, model, Now.AddHours(-4));
        await BreachSeed.RecordAsync(factory, outside, model, Now.AddDays(-3));
        await BreachSeed.RecordAsync(factory, outside, Model(), Now.AddHours(-5)); // in the window, other model
        await BreachSeed.RecordAsync(factory, erased, model, Now.AddHours(-3));
        Assert.NotEmpty((await factory.Services.GetRequiredService<AccountEraser>().EraseAsync(erased, erased)).Certificate);
        var register = BreachSeed.Register(factory, new ManualTime(Now));

        var result = await register.RecordAsync("admin", BreachSeed.Input(Now.AddHours(-1), Now.AddHours(-6), Now.AddHours(-2), model));

        Assert.True(result.Succeeded, string.Join(", ", result.Errors));
        var affected = await register.FindAffectedAsync(result.Incident!);
        var account = Assert.Single(affected.Accounts);
        Assert.Equal(inside, account.UserId);
        Assert.Equal(2, account.Records);
        Assert.Equal(1, affected.ErasedAccounts);
        Assert.Equal(3, affected.Records);
        Assert.Equal((2, 1, 3), (result.Incident!.AffectedAccounts, result.Incident.AffectedErasedAccounts, result.Incident.AffectedRecords));
    }

    [Fact]
    public async Task FindAffected_ChannelNarrowing_LeavesOutOtherChannels()
    {
        var model = Model();
        var portal = await BreachSeed.UserAsync(factory, "en");
        var api = await BreachSeed.UserAsync(factory, "en");
        await BreachSeed.RecordAsync(factory, portal, model, Now.AddHours(-2), "portal");
        await BreachSeed.RecordAsync(factory, api, model, Now.AddHours(-2), "api");
        var register = BreachSeed.Register(factory, new ManualTime(Now));
        var input = BreachSeed.Input(Now, Now.AddHours(-3), Now, model);
        input.Channel = "api";

        var incident = (await register.RecordAsync("admin", input)).Incident!;

        Assert.Equal(api, Assert.Single((await register.FindAffectedAsync(incident)).Accounts).UserId);
    }

    [Fact]
    public async Task NotifyUsers_HighRisk_MailsLiveAccountsOnly_ErasedCountedNotReachable()
    {
        var model = Model();
        var german = await BreachSeed.UserAsync(factory, "de");
        var erased = await BreachSeed.UserAsync(factory, "en");
        await BreachSeed.RecordAsync(factory, german, model, Now.AddHours(-2));
        await BreachSeed.RecordAsync(factory, erased, model, Now.AddHours(-2));
        var erasedEmail = await BreachSeed.EmailOfAsync(factory, erased);
        Assert.NotEmpty((await factory.Services.GetRequiredService<AccountEraser>().EraseAsync(erased, erased)).Certificate);
        var register = BreachSeed.Register(factory, new ManualTime(Now));
        var incident = (await register.RecordAsync("admin", BreachSeed.Input(Now, Now.AddHours(-3), Now, model))).Incident!;

        var result = await register.NotifyUsersAsync("admin", incident.Id, informAnyway: false);

        Assert.True(result.Succeeded, string.Join(", ", result.Errors));
        Assert.Equal((1, 1), (result.Notified, result.NotReachable));
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, await BreachSeed.EmailOfAsync(factory, german));
        Assert.StartsWith("Wichtig", mail.Subject);
        Assert.DoesNotContain(Directory.GetFiles(factory.MailDirectory, "*.eml"), f => File.ReadAllText(f).Contains(erasedEmail, StringComparison.OrdinalIgnoreCase) && File.ReadAllText(f).Contains("PL-BREACH"));
        Assert.Equal(Now, (await register.FindAsync(incident.Id))!.UsersNotifiedAt);
        Assert.Contains("already", Assert.Single((await register.NotifyUsersAsync("admin", incident.Id, true)).Errors));
    }

    [Fact]
    public async Task NotifyUsers_RiskNotHigh_RefusedUnlessInformAnyway()
    {
        var model = Model();
        var user = await BreachSeed.UserAsync(factory, "en");
        await BreachSeed.RecordAsync(factory, user, model, Now.AddHours(-2));
        var register = BreachSeed.Register(factory, new ManualTime(Now));
        var incident = (await register.RecordAsync("admin", BreachSeed.Input(Now, Now.AddHours(-3), Now, model, BreachRisk.Risk))).Incident!;

        var refused = await register.NotifyUsersAsync("admin", incident.Id, informAnyway: false);
        var anyway = await register.NotifyUsersAsync("admin", incident.Id, informAnyway: true);

        Assert.Contains("only when the risk is high", Assert.Single(refused.Errors));
        Assert.Equal(1, anyway.Notified);
        Assert.Equal("Important: a security incident concerning your data", (await MailPickup.WaitForMailToAsync(factory.MailDirectory, await BreachSeed.EmailOfAsync(factory, user))).Subject);
    }

    [Fact]
    public async Task Clock_ControlledTime_CountsDownGoesOverdueAndJudgesTheNotification()
    {
        var time = new ManualTime(Now);
        var register = BreachSeed.Register(factory, time);
        var incident = (await register.RecordAsync("admin", BreachSeed.Input(Now.AddMinutes(-1), Now.AddHours(-3), Now, Model()))).Incident!;

        var running = BreachClock.At(incident, time.Now);
        time.Now = Now.AddHours(75);
        var overdue = BreachClock.At(incident, time.Now);
        var withoutReason = await register.MarkAuthorityNotifiedAsync("admin", incident.Id, null, "LDI-2026-17", null);
        var withReason = await register.MarkAuthorityNotifiedAsync("admin", incident.Id, null, "LDI-2026-17", "Forensics needed two days to scope the leak.");

        Assert.Equal((BreachClockState.Running, "71 h 59 min"), (running.State, running.Duration));
        Assert.Equal(Now.AddHours(71).AddMinutes(59), running.Deadline);
        Assert.Equal((BreachClockState.Overdue, "3 h 01 min"), (overdue.State, overdue.Duration));
        Assert.Contains("reasons for the delay", Assert.Single(withoutReason.Errors));
        Assert.True(withReason.Succeeded);
        var late = BreachClock.At((await register.FindAsync(incident.Id))!, time.Now);
        Assert.Equal((BreachClockState.NotifiedLate, "3 h 01 min"), (late.State, late.Duration));
    }

    [Fact]
    public async Task MarkAuthorityNotified_WithinDeadline_NeedsNoReason_ThenCloses()
    {
        var time = new ManualTime(Now);
        var register = BreachSeed.Register(factory, time);
        var incident = (await register.RecordAsync("admin", BreachSeed.Input(Now, Now.AddHours(-3), Now, Model(), BreachRisk.Risk))).Incident!;

        var closeFirst = await register.CloseAsync("admin", incident.Id);
        time.Now = Now.AddHours(70);
        var notified = await register.MarkAuthorityNotifiedAsync("admin", incident.Id, null, "LDI-1", null);
        var closed = await register.CloseAsync("admin", incident.Id);

        Assert.Contains("notified to the authority before", Assert.Single(closeFirst.Errors));
        Assert.True(notified.Succeeded);
        Assert.Null(notified.Incident!.DelayReason);
        Assert.Equal(BreachClockState.NotifiedInTime, BreachClock.At(notified.Incident, time.Now).State);
        Assert.Equal(time.Now, closed.Incident!.ClosedAt);
        var audit = await factory.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(Action: "breach.", PageSize: 200));
        Assert.Contains(audit.Items, a => a.Action == BreachAuditActions.Closed && a.Details == $"incident {incident.Id}");
        Assert.Contains(audit.Items, a => a.Action == BreachAuditActions.AuthorityNotified && a.Details == $"incident {incident.Id}; in time");
    }

    [Fact]
    public async Task MarkAuthorityNotified_BadInput_ClearMessages()
    {
        var register = BreachSeed.Register(factory, new ManualTime(Now));
        var incident = (await register.RecordAsync("admin", BreachSeed.Input(Now.AddHours(-1), Now.AddHours(-3), Now, Model()))).Incident!;

        var future = await register.MarkAuthorityNotifiedAsync("admin", incident.Id, Now.AddHours(2), "X", null);
        var beforeDiscovery = await register.MarkAuthorityNotifiedAsync("admin", incident.Id, Now.AddHours(-2), "X", null);
        var noReference = await register.MarkAuthorityNotifiedAsync("admin", incident.Id, Now, " ", null);
        var unknown = await register.MarkAuthorityNotifiedAsync("admin", 999_999, Now, "X", null);

        Assert.Equal(["The time of notification cannot be in the future."], future.Errors);
        Assert.Equal(["The time of notification cannot be before the discovery."], beforeDiscovery.Errors);
        Assert.Equal(["Enter the authority's reference (or your submission number)."], noReference.Errors);
        Assert.Equal(["There is no incident with this number."], unknown.Errors);
        Assert.Equal(["There is no incident with this number."], (await register.CloseAsync("admin", 999_999)).Errors);
        Assert.Equal(["There is no incident with this number."], (await register.NotifyUsersAsync("admin", 999_999, true)).Errors);
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "future", "The time of discovery cannot be in the future." },
        { "reversed", "The end of the incident window cannot be before its start." },
        { "no-window", "Enter when the incident started and ended (UTC)." },
        { "no-description", "Describe what happened." },
        { "long-description", "The description is too long (at most 4000 characters)." },
        { "no-nature", "Choose at least one nature of the breach (confidentiality, integrity, availability)." },
        { "no-categories", "Choose the categories of personal data concerned." },
        { "unknown-category", "Choose the categories of personal data concerned." },
        { "no-consequences", "Describe the likely consequences." },
        { "no-measures", "Describe the measures taken or proposed." },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Record_BadInput_RefusedWithClearMessage_NothingStored(string mistake, string message)
    {
        var input = BreachSeed.Input(Now, Now.AddHours(-3), Now, Model());
        switch (mistake)
        {
            case "future": input.DiscoveredAt = Now.AddHours(1); break;
            case "reversed": input.WindowEnd = Now.AddHours(-4); break;
            case "no-window": input.WindowStart = null; break;
            case "no-description": input.Description = "  "; break;
            case "long-description": input.Description = new string('x', 4001); break;
            case "no-nature": input.Nature = BreachNature.None; break;
            case "no-categories": input.Categories = []; break;
            case "unknown-category": input.Categories = ["blood type"]; break;
            case "no-consequences": input.Consequences = null; break;
            default: input.Measures = ""; break;
        }
        var register = BreachSeed.Register(factory, new ManualTime(Now));
        var before = (await register.ListAsync()).Count;

        var result = await register.RecordAsync("admin", input);

        Assert.Equal([message], result.Errors);
        Assert.Null(result.Incident);
        Assert.Equal(before, (await register.ListAsync()).Count);
    }

    [Fact]
    public async Task Record_NoDiscoveryTime_DefaultsToNow()
    {
        var input = BreachSeed.Input(Now, Now.AddHours(-3), Now, Model());
        input.DiscoveredAt = null;

        var result = await BreachSeed.Register(factory, new ManualTime(Now)).RecordAsync("admin", input);

        Assert.Equal(Now, result.Incident!.DiscoveredAt);
    }

    [Fact]
    public void Categories_CoverEveryCategoryAProcessingRecordNames()
    {
        var purposes = new[] { ProcessingPurpose.Chat, ProcessingPurpose.ImageGeneration, ProcessingPurpose.ImageEdit, ProcessingPurpose.BackgroundRemoval };
        var recordCategories = purposes.SelectMany(p => ProcessingPurpose.DataCategoriesFor(p).Split("; ")).Distinct();

        Assert.All(recordCategories, c => Assert.True(BreachTexts.IsCategory(c), c));
    }

    [Fact]
    public void BreachTime_ToMinute_UtcWithoutSeconds() =>
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 13, 30, 0, TimeSpan.Zero), BreachTime.ToMinute(new DateTimeOffset(2026, 12, 1, 14, 30, 45, TimeSpan.FromHours(1))));
}
