using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Tests.Web.Privacy;

public sealed class CompletedOperatorPortalFactory : PortalFactory
{
    /// <summary>A finished installation keeps the erasure ledger outside the data folder, as the systemd unit does.</summary>
    public string LedgerDirectory { get; } = Path.Combine(Path.GetTempPath(), "promptleo-tests", "ledger-" + Guid.NewGuid().ToString("N"));

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(OperatorFactsTests.Completed)
    {
        ["Storage:ErasureLedgerPath"] = Path.Combine(LedgerDirectory, "erasures.ledger"),
    };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(LedgerDirectory))
        {
            Directory.Delete(LedgerDirectory, recursive: true);
        }
    }
}

/// <summary>The Impressum and the privacy policy with the shipped placeholder operator data.</summary>
public sealed class LegalPagesTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    // What the shipped example data looks like; none of it may appear as fact.
    internal static readonly string[] ExampleData = ["Musterstraße", "Mustermann", "Musterstadt", "operator.example", "Example Operator", "Example Hosting", "DE000000000", "HRB 00000", "+49 69 0000000"];

    private LegalDocuments Documents => factory.Services.GetRequiredService<LegalDocuments>();

    internal static async Task<HttpClient> AdminAsync(PortalFactory portal)
    {
        var client = portal.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        return client;
    }

    internal static async Task<string> GetTextAsync(HttpClient client, string path, string language)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptLanguage.ParseAdd(language);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Blazor encodes umlauts as character references.
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every heading and sentence of a document, for checking that a page holds none of the other language.</summary>
    private static IEnumerable<string> Strings(LegalDocument document) =>
        document.Sections.SelectMany(s => s.Paragraphs.Append(s.Heading).Concat(s.Bullets).Concat(s.TableHeader).Concat(s.Rows.SelectMany(r => r)))
            .Append(document.Title);

    private static void AssertOnlyLanguage(string html, LegalDocument shown, LegalDocument other)
    {
        Assert.Contains($"<title>{shown.Title} · PromptLeo</title>", html);
        var ownStrings = Strings(shown).ToHashSet();
        foreach (var foreign in Strings(other).Where(s => !ownStrings.Contains(s) && s.Length > 3))
        {
            Assert.DoesNotContain(foreign, html);
        }
    }

    [Theory]
    [InlineData("en", "Legal notice", "[to be completed by the operator]")]
    [InlineData("de", "Impressum", "[vom Betreiber zu ergänzen]")]
    public async Task Imprint_Anonymous_RendersInOneLanguageWithPlaceholderNotices(string language, string title, string missing)
    {
        var html = await GetTextAsync(factory.CreateClient(), "/impressum", language);

        Assert.Contains($">{title}</h1>", html);
        Assert.Contains(missing, html);
        foreach (var example in ExampleData)
        {
            Assert.DoesNotContain(example, html);
        }
        var other = new ReportText(language == "de" ? "en" : "de");
        AssertOnlyLanguage(html, Documents.Imprint(new ReportText(language)), Documents.Imprint(other));
        Assert.Contains("id=\"imprint-privacy-link\"", html);
    }

    [Theory]
    [InlineData("en", "Privacy policy")]
    [InlineData("de", "Datenschutzerklärung")]
    public async Task PrivacyPolicy_Anonymous_ListsEveryActivityCookieAndRightInOneLanguage(string language, string title)
    {
        var html = await GetTextAsync(factory.CreateClient(), "/datenschutz", language);
        var t = new ReportText(language);

        Assert.Contains($">{title}</h1>", html);
        foreach (var activity in factory.Services.GetRequiredService<ProcessingActivities>().Describe(t))
        {
            Assert.Contains($"<td>{activity.Name}</td><td>{activity.Purpose}</td><td>{activity.Subjects}</td><td>{activity.Data}</td><td>{activity.Deletion}</td>", html);
        }
        foreach (var cookie in CookieCatalog.Describe(t))
        {
            Assert.Contains($"<td>{cookie.Name}</td><td>{cookie.Purpose}</td><td>{cookie.Lifetime}</td>", html);
        }
        foreach (var article in new[] { "Art. 15", "Art. 16", "Art. 17", "Art. 18", "Art. 20", "Art. 21", "Art. 22", "Art. 77", "Hessische" })
        {
            Assert.Contains(article, html);
        }
        Assert.Contains(t.T("[to be completed by the operator]", "[vom Betreiber zu ergänzen]"), html);
        foreach (var example in ExampleData)
        {
            Assert.DoesNotContain(example, html);
        }
        Assert.Contains($"id=\"privacy-notice-version\">{Documents.PrivacyNoticeVersion}<", html);
        AssertOnlyLanguage(html, Documents.PrivacyPolicy(t), Documents.PrivacyPolicy(new ReportText(language == "de" ? "en" : "de")));
    }

    [Fact]
    public async Task PrivacyPolicy_ActivitiesTable_IsTheArt30RegistersList()
    {
        var admin = await AdminAsync(factory);

        var register = PdfArtifacts.Text(await admin.GetByteArrayAsync("/admin/privacy/register.pdf"));

        // PdfPig gives words, so compare word by word: every activity of the policy is in the register.
        foreach (var activity in factory.Services.GetRequiredService<ProcessingActivities>().Describe(new ReportText("en")))
        {
            Assert.All(activity.Name.Split(' '), word => Assert.Contains(word, register));
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/Account/Login")]
    [InlineData("/Account/Register")]
    [InlineData("/impressum")]
    [InlineData("/datenschutz")]
    [InlineData("/not-found")]
    public async Task Footer_PublicPages_LinksBothLegalPages(string path)
    {
        var html = await GetTextAsync(factory.CreateClient(), path, "de");

        Assert.Contains("<a href=\"/impressum\" id=\"footer-imprint\">Impressum</a>", html);
        Assert.Contains("<a href=\"/datenschutz\" id=\"footer-privacy-policy\">Datenschutzerklärung</a>", html);
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/privacy")]
    [InlineData("/Account/Manage")]
    [InlineData("/Account/Manage/Sessions")]
    public async Task Footer_SignedInPages_LinksBothLegalPages(string path)
    {
        var client = await AdminAsync(factory);

        // Signing in applies the account's stored language (English) over the browser's.
        var html = await GetTextAsync(client, path, "de");

        Assert.Contains("<a href=\"/impressum\" id=\"footer-imprint\">Legal notice</a>", html);
        Assert.Contains("<a href=\"/datenschutz\" id=\"footer-privacy-policy\">Privacy policy</a>", html);
    }

    [Theory]
    [InlineData("en", "Privacy policy", "Legal notice", "[to be completed by the operator] processes your e-mail address")]
    [InlineData("de", "Datenschutzerklärung", "Impressum", "[vom Betreiber zu ergänzen] verarbeitet Ihre E-Mail-Adresse")]
    public async Task RegisterForm_ShowsArt13NoticeWithLinksAndVersion(string language, string policy, string imprint, string notice)
    {
        var html = await GetTextAsync(factory.CreateClient(), "/Account/Register", language);

        Assert.Contains(notice, html);
        Assert.Contains($"<a href=\"/datenschutz\" target=\"_blank\" id=\"register-privacy-link\">{policy}</a>", html);
        Assert.Contains($"<a href=\"/impressum\" target=\"_blank\" id=\"register-imprint-link\">{imprint}</a>", html);
        Assert.Contains($"<input type=\"hidden\" name=\"Input.PrivacyNoticeVersion\" value=\"{Documents.PrivacyNoticeVersion}\"", html);
    }

    [Fact]
    public async Task Register_WithShownNotice_RecordsItsVersionOnTheAccount()
    {
        var email = $"notice-{Guid.NewGuid():N}@promptleo.test";

        var response = await PortalSession.RegisterAsync(factory.CreateBrowserLikeClient(), email, "Notice-Passw0rd!");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
        Assert.Equal(Documents.PrivacyNoticeVersion, user!.PrivacyNoticeVersion);
        Assert.Matches("^[0-9a-f]{16}$", user.PrivacyNoticeVersion);
    }

    [Fact]
    public async Task Register_WithStaleNoticeVersion_CreatesNoAccountAndAsksToReread()
    {
        var email = $"stale-{Guid.NewGuid():N}@promptleo.test";
        var client = factory.CreateBrowserLikeClient();

        var response = await FormPost.SubmitAsync(client, "/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "Notice-Passw0rd!",
            ["Input.ConfirmPassword"] = "Notice-Passw0rd!",
            ["Input.PrivacyNoticeVersion"] = "0000000000000000",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The privacy notice has changed", await response.Content.ReadAsStringAsync());
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email));
    }

    [Fact]
    public async Task AdminPage_PlaceholdersLeft_WarnsAndListsEachSetting()
    {
        var admin = await AdminAsync(factory);

        var html = await GetTextAsync(admin, "/admin", "en");

        Assert.Contains("id=\"operator-placeholders\"", html);
        foreach (var field in Enum.GetValues<OperatorField>().Where(f => f != OperatorField.SupervisoryAuthority))
        {
            Assert.Contains($"data-placeholder=\"Operator:{field}\">Operator:{field}</code>", html);
        }
        foreach (var seller in new[] { "SellerName", "SellerStreet", "SellerVatId" })
        {
            Assert.Contains($"data-placeholder=\"Invoicing:{seller}\">Invoicing:{seller}</code>", html);
        }
        Assert.DoesNotContain("data-placeholder=\"Operator:SupervisoryAuthority\"", html);
        Assert.DoesNotContain("data-placeholder=\"Invoicing:SellerCity\"", html);
    }

    [Fact]
    public async Task Pdfs_PlaceholdersLeft_PrintTheNoticeNeverTheExampleData()
    {
        var admin = await AdminAsync(factory);
        var user = await PrivacySeed.CreateAsync(factory);
        var services = factory.Services;
        var now = DateTimeOffset.UtcNow;
        var account = new ApplicationUser { Email = user.Email, DisplayName = user.DisplayName, PreferredLanguage = "de" };

        var pdfs = new Dictionary<string, byte[]>
        {
            ["register"] = await admin.GetByteArrayAsync("/admin/privacy/register.pdf"),
            ["dpa"] = await admin.GetByteArrayAsync("/privacy/dpa.pdf"),
            ["records"] = await admin.GetByteArrayAsync("/privacy/records.pdf"),
            ["access-report"] = services.GetRequiredService<AccessReportWriter>().Write(account, new Dictionary<string, int> { ["profile"] = 1 }, now),
            ["deletion-certificate"] = services.GetRequiredService<DeletionCertificateWriter>().Write(
                new ErasureJob { Pseudonym = "erased-test", Language = "en" }, new Dictionary<string, int>(), [], now),
        };

        foreach (var (name, pdf) in pdfs)
        {
            var text = PdfArtifacts.Text(pdf);
            var notice = name == "access-report" ? "[vom Betreiber zu ergänzen]" : "[to be completed by the operator]";
            Assert.True(text.Contains(notice, StringComparison.Ordinal), $"{name} lacks the placeholder notice");
            foreach (var example in ExampleData)
            {
                Assert.False(text.Contains(example, StringComparison.Ordinal), $"{name} prints the example '{example}' as fact");
            }
        }
        PdfArtifacts.Save(pdfs["dpa"], "dpa-placeholder-operator");
    }
}

/// <summary>The same pages and documents once the operator has filled in every setting.</summary>
public sealed class CompletedOperatorTests(CompletedOperatorPortalFactory factory) : IClassFixture<CompletedOperatorPortalFactory>
{
    [Theory]
    [InlineData("en", "Phone: +49 69 4711230", "According to § 27a UStG: DE287654321", "Register entry")]
    [InlineData("de", "Telefon: +49 69 4711230", "Gemäß § 27a UStG: DE287654321", "Registereintrag")]
    public async Task Imprint_CompletedData_ShowsItAndOmitsTheEmptyRegister(string language, string phone, string vatId, string register)
    {
        var html = await LegalPagesTests.GetTextAsync(factory.CreateClient(), "/impressum", language);

        Assert.Contains("Lindenhof KI Dienste GmbH, Gesellschaft mit beschränkter Haftung", html);
        Assert.Contains("Hanauer Landstraße 291, 60314 Frankfurt am Main, Germany", html);
        Assert.Contains("Johanna Lindqvist, Geschäftsführerin", html);
        Assert.Contains(phone, html);
        Assert.Contains(vatId, html);
        Assert.DoesNotContain(register, html);
        Assert.DoesNotContain("[", html.Split("<article")[1].Split("</article>")[0]);
    }

    [Fact]
    public async Task AdminPageAndPdfs_CompletedData_NoWarningAndTheRealOperator()
    {
        var admin = await LegalPagesTests.AdminAsync(factory);

        var html = await LegalPagesTests.GetTextAsync(admin, "/admin", "en");
        var dpa = PdfArtifacts.Text(await admin.GetByteArrayAsync("/privacy/dpa.pdf"));
        var register = PdfArtifacts.Text(await admin.GetByteArrayAsync("/admin/privacy/register.pdf"));

        Assert.Contains("id=\"admin-title\"", html);
        Assert.DoesNotContain("operator-placeholders", html);
        Assert.DoesNotContain("ledger-inside-data", html);
        Assert.Contains("Lindenhof KI Dienste GmbH, Hanauer Landstraße 291", dpa);
        Assert.DoesNotContain("to be completed", dpa);
        Assert.Contains("datenschutz@lindenhof-ki.de", register);
        Assert.Contains("not appointed", register);
        Assert.DoesNotContain("to be completed", register);
    }

    [Fact]
    public async Task PrivacyPolicy_CompletedData_NamesTheHostingProviderAsRecipient()
    {
        var html = await LegalPagesTests.GetTextAsync(factory.CreateClient(), "/datenschutz", "en");

        Assert.Contains("Hosting (servers and data centre): Rechenzentrum Rhein-Main GmbH, Frankfurt am Main, Germany.", html);
        Assert.Contains("not appointed", html);
        Assert.DoesNotContain("to be completed", html);
    }
}
