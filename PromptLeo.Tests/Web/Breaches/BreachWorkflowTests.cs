using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Breaches;

/// <summary>The whole Art. 33/34 path on the real portal: record → authority PDF in both languages → user notices → audit.</summary>
public sealed class BreachWorkflowTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private async Task<HttpClient> AdminAsync()
    {
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        return client;
    }

    private async Task<BreachIncident> RecordAsync(string model, BreachRisk risk = BreachRisk.HighRisk)
    {
        var now = DateTimeOffset.UtcNow;
        var result = await factory.Services.GetRequiredService<BreachRegister>().RecordAsync("admin-test", BreachSeed.Input(now.AddHours(-2), now.AddDays(-1), now, model, risk));
        Assert.True(result.Succeeded, string.Join(", ", result.Errors));
        return result.Incident!;
    }

    [Fact]
    public async Task Breach_RecordNoticeAndNotify_PdfsHoldArt33Items_MailsInEachLanguage_Audited()
    {
        var model = "breach-flow-" + Guid.NewGuid().ToString("N")[..8];
        var german = await BreachSeed.UserAsync(factory, "de");
        var english = await BreachSeed.UserAsync(factory, "en");
        var erased = await BreachSeed.UserAsync(factory, "en");
        foreach (var user in new[] { german, english, erased })
        {
            await BreachSeed.RecordAsync(factory, user, model, DateTimeOffset.UtcNow.AddHours(-3));
        }
        Assert.NotEmpty((await factory.Services.GetRequiredService<AccountEraser>().EraseAsync(erased, erased)).Certificate);
        var incident = await RecordAsync(model);
        var admin = await AdminAsync();

        var dePdf = await PdfAsync(admin, $"/admin/incidents/{incident.Id}/authority-notice.pdf?lang=de");
        var enPdf = await PdfAsync(admin, $"/admin/incidents/{incident.Id}/authority-notice.pdf?lang=en");
        PdfArtifacts.Save(dePdf, "breach-authority-notice-de");
        PdfArtifacts.Save(enPdf, "breach-authority-notice-en");
        var (de, en) = (PdfArtifacts.Text(dePdf), PdfArtifacts.Text(enPdf));

        // Art. 33(3)(a) nature, categories and numbers; (b) DPO (a placeholder here, so the notice says so); (c) consequences; (d) measures.
        foreach (var expected in new[] { "Art der Verletzung", "Vertraulichkeit", "Ungefähre Zahl betroffener Personen", "3 Nutzerkonten, davon 1 inzwischen gelöscht", "Nutzungsmetadaten", "Ungefähre Zahl betroffener Datensätze", "3 Verarbeitungsvorgänge",
                     "Datenschutzbeauftragter", "[vom Betreiber zu ergänzen]", "Wahrscheinliche Folgen", "Third parties may have seen", "Ergriffene oder vorgeschlagene Maßnahmen", "credentials rotated", "Hessische", BreachTexts.Reference(incident) })
        {
            Assert.Contains(expected, de);
        }
        foreach (var expected in new[] { "Nature of the breach", "Confidentiality", "Approximate number of data subjects", "3 user accounts, of which 1 have since been erased", "Usage metadata", "Approximate number of records", "3 processing requests",
                     "Data protection officer", "[to be completed by the operator]", "Likely consequences", "Third parties may have seen", "Measures taken or proposed", "credentials rotated" })
        {
            Assert.Contains(expected, en);
        }
        Assert.DoesNotContain("Nature of the breach", de);
        Assert.DoesNotContain("Art der Verletzung", en);

        var sent = await factory.Services.GetRequiredService<BreachRegister>().NotifyUsersAsync("admin-test", incident.Id, informAnyway: false);

        Assert.Equal((2, 1), (sent.Notified, sent.NotReachable));
        var germanMail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, await BreachSeed.EmailOfAsync(factory, german));
        var englishMail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, await BreachSeed.EmailOfAsync(factory, english));
        Assert.Equal("Wichtig: ein Sicherheitsvorfall, der Ihre Daten betrifft", germanMail.Subject);
        Assert.Contains("Was das für Sie bedeuten kann: Third parties may have seen", germanMail.TextBody);
        Assert.Contains("Datenschutzbeauftragter: [vom Betreiber zu ergänzen]", germanMail.TextBody);
        Assert.Contains("Was wir getan haben und tun werden: Bucket closed", germanMail.TextBody);
        Assert.Contains("Sie können sich auch bei der Aufsichtsbehörde beschweren: Der Hessische Beauftragte", germanMail.TextBody);
        Assert.Contains("Welche Ihrer Daten: Prompts (Eingaben); Nutzungsmetadaten", germanMail.TextBody);
        Assert.Equal("Important: a security incident concerning your data", englishMail.Subject);
        Assert.Contains("What this may mean for you: Third parties may have seen", englishMail.TextBody);
        Assert.Contains("Data protection officer: [to be completed by the operator]", englishMail.TextBody);
        Assert.Contains("You may also complain to the supervisory authority", englishMail.TextBody);
        Assert.DoesNotContain("Was geschehen ist", englishMail.TextBody);
        Assert.DoesNotContain("What happened", germanMail.TextBody);

        var audit = (await factory.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(Action: "breach.", PageSize: 200))).Items
            .Where(a => a.Details.StartsWith($"incident {incident.Id};") || a.Details == $"incident {incident.Id}").ToList();
        Assert.Contains(audit, a => a.Action == BreachAuditActions.Recorded && a.Details.Contains("accounts 3 (1 erased); records 3"));
        Assert.Equal(2, audit.Count(a => a.Action == BreachAuditActions.DocumentDownloaded));
        Assert.Equal(new[] { english, german }.Order(), audit.Where(a => a.Action == BreachAuditActions.UserNotified).Select(a => a.SubjectId!).Order());
        Assert.Contains(audit, a => a.Action == BreachAuditActions.UsersNotified && a.Details.EndsWith("notified 2 of 2; erased, not reachable 1"));
        Assert.All(audit, a => Assert.DoesNotContain("@", a.Details));
    }

    [Fact]
    public async Task Register_Pdf_ListsIncidentsInTheChosenLanguage()
    {
        var incident = await RecordAsync("breach-register-" + Guid.NewGuid().ToString("N")[..8], BreachRisk.Unlikely);
        var admin = await AdminAsync();

        var de = PdfArtifacts.Text(await PdfAsync(admin, "/admin/incidents/register.pdf?lang=de"));
        var en = PdfArtifacts.Text(await PdfAsync(admin, "/admin/incidents/register.pdf?lang=en"));

        Assert.Contains(BreachTexts.Reference(incident), de);
        Assert.Contains("Art. 33 Abs. 5", de);
        Assert.Contains("Voraussichtlich kein Risiko", de);
        Assert.Contains("Ergriffene Abhilfemaßnahmen", de);
        Assert.Contains("Art. 33(5)", en);
        Assert.Contains("Remedial action", en);
        Assert.DoesNotContain("Abhilfemaßnahmen", en);
    }

    [Fact]
    public async Task Pages_Admin_ShowClockAndAffectedAccounts_UnknownIdSaysSo()
    {
        var model = "breach-page-" + Guid.NewGuid().ToString("N")[..8];
        var user = await BreachSeed.UserAsync(factory, "en");
        await BreachSeed.RecordAsync(factory, user, model, DateTimeOffset.UtcNow.AddHours(-1));
        var incident = await RecordAsync(model);
        var admin = await AdminAsync();

        var list = await admin.GetStringAsync("/admin/incidents");
        var detail = await admin.GetStringAsync($"/admin/incidents/{incident.Id}");
        var unknown = await admin.GetStringAsync("/admin/incidents/999999");

        Assert.Contains(BreachTexts.Reference(incident), list);
        Assert.Contains("data-clock-state=\"Running\"", list);
        Assert.Contains("pl-table-scroll", list);
        Assert.Contains("69 h", detail); // discovered two hours ago
        Assert.Contains(await BreachSeed.EmailOfAsync(factory, user), detail);
        Assert.Contains("1 accounts with 1 processing records in the period; 0 of them are erased.", detail);
        Assert.Contains("There is no incident with this number.", unknown);
        Assert.Contains("href=\"/admin/incidents\"", await admin.GetStringAsync("/admin"));
    }

    [Fact]
    public async Task Endpoints_BadInputAndOtherCallers_ClearStatus()
    {
        var incident = await RecordAsync("breach-access-" + Guid.NewGuid().ToString("N")[..8]);
        var admin = await AdminAsync();
        var user = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, user, $"user-{Guid.NewGuid():N}@promptleo.test", PrivacySeed.Password);
        var anonymous = factory.CreateBrowserLikeClient();

        var missing = await admin.GetAsync("/admin/incidents/999999/authority-notice.pdf?lang=en");
        var badLanguage = await admin.GetAsync($"/admin/incidents/{incident.Id}/authority-notice.pdf?lang=fr");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("There is no incident 999999.", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badLanguage.StatusCode);
        Assert.Contains("lang must be", await badLanguage.Content.ReadAsStringAsync());
        foreach (var path in new[] { "/admin/incidents", $"/admin/incidents/{incident.Id}", $"/admin/incidents/{incident.Id}/authority-notice.pdf", "/admin/incidents/register.pdf" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync(path)).StatusCode);
            var challenge = await anonymous.GetAsync(path);
            if (path.EndsWith(".pdf"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode); // typed minimal API results: no login redirect
            }
            else
            {
                Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
                Assert.Contains("/Account/Login", challenge.Headers.Location!.ToString());
            }
        }
    }

    private static async Task<byte[]> PdfAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
