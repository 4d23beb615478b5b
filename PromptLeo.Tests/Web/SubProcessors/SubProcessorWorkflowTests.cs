using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.SubProcessors;

/// <summary>The whole Art. 28(2) path over HTTP: announce → mail → banner → objection → admin view → documents after the notice period.</summary>
public sealed partial class SubProcessorWorkflowTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private static Dictionary<string, string> Addition(string name) => new()
    {
        ["Input.Kind"] = "Addition",
        ["Input.Name"] = name,
        ["Input.Address"] = "Cloudweg 3, 80331 München",
        ["Input.Service"] = "Encrypted off-site backup",
        ["Input.Location"] = "Germany",
        ["Input.InEea"] = "true",
    };

    private async Task<(HttpClient Client, SeededUser User)> DpaCustomerAsync(string language)
    {
        var client = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, language, registerWith: client);
        var accepted = await FormPost.SubmitAsync(client, "/privacy/dpa", "accept-dpa", new Dictionary<string, string>
        {
            ["Input.CompanyName"] = "Widerspruch AG",
            ["Input.CompanyAddress"] = "Domplatz 1, 50667 Köln",
            ["Input.Accept"] = "true",
        });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        // The session took its language cookie at login, before the seed set the profile's language.
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.PostWithTokenFromAsync(client, "/privacy", $"/preferences/culture/{language}", new Dictionary<string, string> { ["returnUrl"] = "/privacy" })).StatusCode);
        return (client, user);
    }

    private static async Task<Guid> AnnounceAsync(HttpClient admin, string name)
    {
        var response = await FormPost.SubmitAsync(admin, "/admin/subprocessors", "announce-subprocessor-change", Addition(name));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return Guid.Parse(AnnouncedPattern().Match(response.Headers.Location!.ToString()).Groups[1].Value);
    }

    private static Task<HttpResponseMessage> ObjectAsync(HttpClient client, Guid changeId, string reason) =>
        FormPost.SubmitAsync(client, "/privacy/dpa", "object-subprocessor-change", new Dictionary<string, string>
        {
            ["Objection.ChangeId"] = changeId.ToString(),
            ["Objection.Reason"] = reason,
        });

    [Fact]
    public async Task Announce_MailBannerObjectionAdminView_ThenDocumentsListItAfterTheNoticePeriod()
    {
        var (customer, user) = await DpaCustomerAsync("de");
        var admin = await LegalPagesTests.AdminAsync(factory);

        var changeId = await AnnounceAsync(admin, "Beispiel Backup GmbH");

        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, user.Email);
        Assert.Equal("Angekündigte Änderung der Unterauftragsverarbeiter", mail.Subject);
        Assert.Contains("Hinzuziehung von Beispiel Backup GmbH, Cloudweg 3, 80331 München, Encrypted off-site backup, Germany (EU/EWR)", mail.TextBody);
        Assert.Contains("/privacy/dpa", MailPickup.FirstLink(mail));

        var home = await LegalPagesTests.GetTextAsync(customer, "/privacy", "de");
        Assert.Contains($"data-change-id=\"{changeId}\"", home);
        Assert.Contains("Wir haben eine Änderung unserer Unterauftragsverarbeiter angekündigt", home);
        Assert.Contains("href=\"/privacy/dpa#subprocessor-changes\"", home);

        var objected = await ObjectAsync(customer, changeId, "Backups nur bei unserem eigenen Dienstleister.");
        Assert.Equal(HttpStatusCode.Redirect, objected.StatusCode);
        var dpaPage = await LegalPagesTests.GetTextAsync(customer, objected.Headers.Location!.ToString(), "de");
        Assert.Contains("id=\"objection-recorded\"", dpaPage);
        Assert.Contains("Sie haben am", dpaPage);
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            Assert.True(await db.AuditEntries.AnyAsync(a => a.SubjectId == user.Id && a.Action == AuditActions.SubProcessorObjected && a.Details == $"change {changeId}"));
        }

        var twice = await ObjectAsync(customer, changeId, "");
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Contains("Sie haben dieser Änderung bereits widersprochen.", WebUtility.HtmlDecode(await twice.Content.ReadAsStringAsync()));

        var adminView = await LegalPagesTests.GetTextAsync(admin, "/admin/subprocessors", "en");
        var row = AdminRowPattern().Matches(adminView).Single(m => m.Groups[1].Value == changeId.ToString()).Value;
        Assert.Contains("<span class=\"objection-count\">1</span>", row);
        Assert.Contains(user.Email, row);
        Assert.Contains("Backups nur bei unserem eigenen Dienstleister.", row);
        Assert.Contains("pl-table-scroll", adminView);

        var now = DateTimeOffset.UtcNow;
        var dpaNow = PdfArtifacts.Text(await customer.GetByteArrayAsync("/privacy/dpa.pdf"));
        var annexNow = dpaNow[dpaNow.IndexOf("Anlage 2", StringComparison.Ordinal)..];
        Assert.Contains("Angekündigte Änderungen:", annexNow);
        Assert.Contains("Beispiel Backup GmbH", annexNow[annexNow.IndexOf("Angekündigte Änderungen:", StringComparison.Ordinal)..]);
        var writer = factory.Services.GetRequiredService<DpaDocumentWriter>();
        var later = await writer.WriteAsync("en", null, now.AddDays(30).AddMinutes(1));
        PdfArtifacts.Save(later, "dpa-after-subprocessor-change");
        var annexLater = PdfArtifacts.Text(later);
        annexLater = annexLater[annexLater.IndexOf("Annex 2", StringComparison.Ordinal)..];
        Assert.Contains("Beispiel Backup GmbH, Cloudweg 3, 80331 München, Encrypted off-site backup, Germany (EU/EEA)", annexLater);
        Assert.DoesNotContain("Announced changes:", annexLater);
        var register = PdfArtifacts.Text(await factory.Services.GetRequiredService<ProcessingRegisterWriter>().WriteAsync("en", now.AddDays(30).AddMinutes(1)));
        Assert.Contains("Beispiel Backup GmbH", register);
        Assert.DoesNotContain("Beispiel Backup GmbH", PdfArtifacts.Text(await factory.Services.GetRequiredService<ProcessingRegisterWriter>().WriteAsync("en", now)));
    }

    [Fact]
    public async Task PrivacyPolicy_AnnouncedChange_ShownWithDate_AndNoticeVersionChanges()
    {
        var documents = factory.Services.GetRequiredService<LegalDocuments>();
        var admin = await LegalPagesTests.AdminAsync(factory);
        var versionBefore = documents.PrivacyNoticeVersion;

        await AnnounceAsync(admin, "Policy Mail GmbH");

        var policy = await LegalPagesTests.GetTextAsync(factory.CreateBrowserLikeClient(), "/datenschutz", "en");
        Assert.Contains("Announced change of sub-processors", policy);
        Assert.Contains("Addition of Policy Mail GmbH", policy);
        Assert.NotEqual(versionBefore, documents.PrivacyNoticeVersion);
    }

    [Fact]
    public async Task Banner_Dismissed_GoneForThatUserOnly_OtherUsersNoticeCannotBeDismissed()
    {
        var (first, _) = await DpaCustomerAsync("en");
        var (second, _) = await DpaCustomerAsync("en");
        var outsider = factory.CreateBrowserLikeClient();
        await PrivacySeed.CreateAsync(factory, "en", registerWith: outsider);
        var changeId = await AnnounceAsync(await LegalPagesTests.AdminAsync(factory), "Dismiss GmbH");
        var dismissUrl = $"/privacy/subprocessor-notices/{changeId}/dismiss";

        var notMine = await FormPost.PostWithTokenFromAsync(outsider, "/privacy", dismissUrl, new Dictionary<string, string> { ["returnUrl"] = "/privacy" });
        Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);
        var dismissed = await FormPost.PostWithTokenFromAsync(first, "/privacy", dismissUrl, new Dictionary<string, string> { ["returnUrl"] = "/privacy" });
        Assert.Equal(HttpStatusCode.Redirect, dismissed.StatusCode);
        Assert.Equal("/privacy", dismissed.Headers.Location!.ToString());

        Assert.DoesNotContain($"data-change-id=\"{changeId}\"", await LegalPagesTests.GetTextAsync(first, "/privacy", "en"));
        Assert.Contains($"data-change-id=\"{changeId}\"", await LegalPagesTests.GetTextAsync(second, "/privacy", "en"));
    }

    [Fact]
    public async Task Object_BadInput_ClearMessageAndStatus()
    {
        var (customer, user) = await DpaCustomerAsync("en");
        var changeId = await AnnounceAsync(await LegalPagesTests.AdminAsync(factory), "Bad Input GmbH");

        var unknown = await ObjectAsync(customer, Guid.NewGuid(), "");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("There is no announced change with this id.", await unknown.Content.ReadAsStringAsync());

        var tooLong = await ObjectAsync(customer, changeId, new string('x', SubProcessorLimits.ReasonLength + 1));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("The reason may have at most 1000 characters.", await tooLong.Content.ReadAsStringAsync());

        var noDpa = factory.CreateBrowserLikeClient();
        await PrivacySeed.CreateAsync(factory, "en", registerWith: noDpa);
        var refused = await ObjectAsync(noDpa, changeId, "");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Only a customer who accepted the data processing agreement can object.", await refused.Content.ReadAsStringAsync());

        // A change already in force: announced 40 days ago.
        Guid past;
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var change = new SubProcessorChange
            {
                Kind = SubProcessorChangeKind.Addition,
                Added = new SubProcessor { Name = "Past GmbH", Service = "Mail", Location = "Germany", InEea = true, ActiveFrom = DateTimeOffset.UtcNow.AddDays(-10) },
                AnnouncedAt = DateTimeOffset.UtcNow.AddDays(-40),
                EffectiveAt = DateTimeOffset.UtcNow.AddDays(-10),
                AnnouncedBy = "admin",
            };
            db.SubProcessorChanges.Add(change);
            await db.SaveChangesAsync();
            past = change.Id;
        }
        var effective = await ObjectAsync(customer, past, "");
        Assert.Equal(HttpStatusCode.Conflict, effective.StatusCode);
        Assert.Contains("This change is already in force; objections are possible only until it takes effect.", await effective.Content.ReadAsStringAsync());

        await using var check = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await check.SubProcessorObjections.AnyAsync(o => o.UserId == user.Id));
    }

    [Fact]
    public async Task AdminActions_NonAdmin_Forbidden_BadAdminInput_400WithMessage()
    {
        var (customer, _) = await DpaCustomerAsync("en");
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/admin/subprocessors")).StatusCode);
        var token = FormPost.AntiforgeryToken(await (await customer.GetAsync("/privacy/dpa")).Content.ReadAsStringAsync());
        var form = new Dictionary<string, string>(Addition("Sneaky GmbH")) { ["__RequestVerificationToken"] = token, ["_handler"] = "announce-subprocessor-change" };
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.PostAsync("/admin/subprocessors", new FormUrlEncodedContent(form))).StatusCode);

        var admin = await LegalPagesTests.AdminAsync(factory);
        var missing = await FormPost.SubmitAsync(admin, "/admin/subprocessors", "announce-subprocessor-change", new Dictionary<string, string>(Addition("")));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("Name, service and location are required.", await missing.Content.ReadAsStringAsync());
        var noBasis = await FormPost.SubmitAsync(admin, "/admin/subprocessors", "announce-subprocessor-change",
            new Dictionary<string, string>(Addition("Far Away Inc.")) { ["Input.InEea"] = "false", ["Input.Location"] = "USA" });
        Assert.Equal(HttpStatusCode.BadRequest, noBasis.StatusCode);
        Assert.Contains("A sub-processor outside the EU/EEA needs a transfer basis (Art. 44 ff. GDPR).", await noBasis.Content.ReadAsStringAsync());

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.SubProcessors.AnyAsync(s => s.Name == "Sneaky GmbH" || s.Name == "Far Away Inc."));
    }

    [GeneratedRegex(@"announced=([0-9a-f-]{36})")]
    private static partial Regex AnnouncedPattern();

    [GeneratedRegex(@"<tr class=""subprocessor-change-row"" data-change-id=""([0-9a-f-]{36})""[\s\S]*?</tr>")]
    private static partial Regex AdminRowPattern();
}
