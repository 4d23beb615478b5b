using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Reports;

/// <summary>
/// A PDF the portal writes, rendered with realistic data in the given language ("de" or "en"). Every document gets
/// the structural check; <paramref name="OneLanguage"/> and <paramref name="Tagged"/> say whether the language and
/// tagging checks apply (every document today: invoices too are in one language and tagged).
/// </summary>
public sealed record PortalDocument(string Name, Func<DocumentData, string, Task<byte[]>> Render, bool OneLanguage = true, bool Tagged = true)
{
    public override string ToString() => Name;
}

/// <summary>The seeded account and services every document renders from.</summary>
public sealed record DocumentData(IServiceProvider Services, SeededUser User, DateTimeOffset Now)
{
    /// <summary>Every count key the features report, with numbers large enough to show the group separator.</summary>
    public static readonly IReadOnlyDictionary<string, int> Counts = new Dictionary<string, int>
    {
        ["profile"] = 1, ["conversations"] = 12, ["messages"] = 1234, ["images"] = 7, ["presets"] = 3, ["exports"] = 2,
        ["dpaAcceptances"] = 1, ["logins"] = 4, ["apiKeys"] = 2, ["sessions"] = 5, ["processingRecords"] = 2345,
        ["auditEntries"] = 19, ["usageEvents"] = 1500, ["creditTransactions"] = 6, ["invoices"] = 3,
        ["organizationMemberships"] = 2, ["organizationsDeleted"] = 1, ["organizationInvitations"] = 4,
        ["knowledgeCollections"] = 2, ["knowledgeDocuments"] = 14, ["knowledgeChunks"] = 1200,
    };

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task<ApplicationUser> AccountAsync(string language)
    {
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var account = await db.Users.AsNoTracking().SingleAsync(u => u.Id == User.Id);
        account.PreferredLanguage = language;
        account.ChatRetentionDays = 30;
        return account;
    }

    /// <summary>What the participants retain for the seeded account, as an erasure would list it.</summary>
    public async Task<IReadOnlyList<RetainedCategory>> RetainedAsync()
    {
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var retained = new List<RetainedCategory>();
        foreach (var participant in Services.GetServices<IErasureParticipant>())
        {
            retained.AddRange(await participant.RetainedAsync(db, User.Id, Now, CancellationToken.None));
        }
        return retained;
    }
}

/// <summary>
/// Every PDF the portal writes. A new document is one line here: the language, header, structure and qpdf tests
/// (<see cref="DocumentsTests"/>) then check it in German and English.
/// </summary>
public static class PortalDocuments
{
    public static readonly IReadOnlyList<PortalDocument> All =
    [
        new("access-report", async (d, l) => d.Get<AccessReportWriter>().Write(await d.AccountAsync(l), DocumentData.Counts, d.Now)),
        new("access-report-organizations", async (d, l) => d.Get<AccessReportWriter>().Write(await d.AccountAsync(l), DocumentData.Counts, d.Now,
            [OrganizationExportContributor.ReportSection([
                new(Guid.NewGuid(), "Zylinski Beratung GmbH", OrganizationRole.Admin, d.Now.AddDays(-40), 50_000_000, 1234, 12_345_678, 17, 2),
                new(Guid.NewGuid(), "Muster & Söhne KG", null, null, null, 12, 750_000, 3, 0),
            ])])),
        new("deletion-certificate", async (d, l) => d.Get<DeletionCertificateWriter>().Write(
            new ErasureJob { Pseudonym = "erased-7f3c9a1b2d4e", Language = l, RequestedAt = d.Now.AddMinutes(-3) }, DocumentData.Counts, await d.RetainedAsync(), d.Now)),
        new("dpa", (d, l) => d.Get<DpaDocumentWriter>().WriteAsync(l, new DpaAcceptance
        {
            Version = "2026-12", AcceptedAt = d.Now, IpHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            CompanyName = "Zylinski Beratung GmbH", CompanyAddress = "Domstraße 12, 50668 Köln", VatId = "DE123456789",
        }, d.Now)),
        new("dpa-not-accepted", (d, l) => d.Get<DpaDocumentWriter>().WriteAsync(l, null, d.Now)),
        new("processing-evidence", (d, l) => d.Get<ProcessingEvidenceWriter>().WriteAsync(d.User.Id, l, d.Now.AddDays(-30), d.Now.AddMinutes(1))),
        new("processing-register", (d, l) => d.Get<ProcessingRegisterWriter>().WriteAsync(l, d.Now)),
        new("processor-register", (d, l) => d.Get<ProcessorRegisterWriter>().WriteAsync(l, d.Now)),
        new("dpia", (d, l) => d.Get<ImpactAssessmentWriter>().WriteAsync(l, d.Now)),
        new("breach-authority-notice", (d, l) => Task.FromResult(d.Get<BreachDocuments>().AuthorityNotice(Breach(d, l), l))),
        new("breach-register", (d, l) => Task.FromResult(d.Get<BreachDocuments>().Register([Breach(d, l), Breach(d, l, notified: true)], l))),
        new("invoice", (d, l) => Task.FromResult(Invoice(d, l, reverseCharge: false))),
        new("invoice-reverse-charge", (d, l) => Task.FromResult(Invoice(d, l, reverseCharge: true))),
        new("invoice-zugferd", (d, l) => Task.FromResult(Zugferd(d, l))),
        new("invoice-prepaid", (d, l) => Task.FromResult(InvoiceDocument.Render(InvoiceContent(d, l, reverseCharge: false) with { PrepaidMicros = 4_200_000 }))),
        new("invoice-prepaid-in-full", (d, l) => Task.FromResult(InvoiceDocument.Render(InvoiceContent(d, l, reverseCharge: true) with { PrepaidMicros = 16_550_000 }))),
        new("invoice-zugferd-download", (d, l) => Task.FromResult(ZugferdDownload(d, l))),
        new("top-up-receipt", (d, l) => Task.FromResult(Receipt(d, l))),
    ];

    /// <summary>An invoice of the configured seller with two usage lines, as <see cref="InvoiceIssuer"/> renders it.</summary>
    private static byte[] Invoice(DocumentData d, string language, bool reverseCharge) => InvoiceDocument.Render(InvoiceContent(d, language, reverseCharge));

    /// <summary>The same invoice as ZUGFeRD: PDF/A-3 with its EN 16931 XML embedded.</summary>
    private static byte[] Zugferd(DocumentData d, string language)
    {
        var content = InvoiceContent(d, language, reverseCharge: false);
        return InvoiceDocument.Render(content, CiiInvoiceWriter.Write(content, EInvoiceFormat.Zugferd));
    }

    /// <summary>The ZUGFeRD download of an invoice issued as PDF only: the stored PDF with the XML embedded afterwards.</summary>
    private static byte[] ZugferdDownload(DocumentData d, string language)
    {
        var content = InvoiceContent(d, language, reverseCharge: false);
        return FacturXDocument.Embed(InvoiceDocument.Render(content), CiiInvoiceWriter.Write(content, EInvoiceFormat.Zugferd), content.IssuedAt, content.Number);
    }

    private static InvoiceContent InvoiceContent(DocumentData d, string language, bool reverseCharge)
    {
        var t = new PromptLeo.Web.Features.Reports.ReportText(language);
        var seller = d.Get<IOptions<InvoicingOptions>>().Value;
        var treatment = reverseCharge ? VatRules.Decide("DE", "FR", "FR12345678901", new DateOnly(2026, 11, 30)) : VatRules.Decide("DE", "DE", "DE123456789", new DateOnly(2026, 11, 30));
        string[] address = ["Zylinski Beratung GmbH", "Renate Zylinski", "Domstraße 12", "50668 Köln"];
        return new("PL-2026-000042", false, null, d.Now, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30), seller,
            address, reverseCharge ? "FR12345678901" : "DE123456789",
            [(InvoiceIssuer.LineDescription(t, "chat", "demo-chat", 1234), 12_345_678), (InvoiceIssuer.LineDescription(t, "image", "demo-sd-tiny", 1500), 4_200_000)], 16_550_000,
            reverseCharge ? 0 : 19, reverseCharge ? 0 : 3_140_000, reverseCharge ? 16_550_000 : 19_690_000, reverseCharge)
        {
            Language = language,
            Treatment = treatment,
            Buyer = new InvoiceBuyer(address[0], "Domstraße 12", "50668", "Köln", reverseCharge ? "FR" : "DE", reverseCharge ? "FR12345678901" : "DE123456789", "renate@zylinski.example", null),
        };
    }

    /// <summary>A booked SEPA top-up, partly reversed after a chargeback.</summary>
    private static byte[] Receipt(DocumentData d, string language) => d.Get<TopUpReceipts>().Render(new Payment
    {
        UserId = d.User.Id, AmountMicros = 1_234_500_000, SessionId = "cs_test_a1b2c3", PaymentIntentId = "pi_3QxYz9AbCdEf",
        MethodType = "sepa_debit", Status = PaymentStatus.Booked, CreatedAt = d.Now.AddDays(-3), BookedAt = d.Now.AddDays(-2),
        ReversedMicros = 200_000_000, ReversedAt = d.Now,
    }, new PromptLeo.Web.Features.Reports.ReportText(language));

    /// <summary>A breach as an admin records it; the free text is typed in the document's language, as an admin would.</summary>
    private static BreachIncident Breach(DocumentData d, string language, bool notified = false)
    {
        var german = language == "de";
        return new BreachIncident
        {
            Id = notified ? 8 : 7,
            RecordedAt = d.Now.AddHours(-5), DiscoveredAt = d.Now.AddHours(-6),
            WindowStart = d.Now.AddDays(-2), WindowEnd = d.Now.AddDays(-1),
            Description = german ? "Ein Sicherungsdatenträger wurde unverschlüsselt versandt und ist verloren gegangen." : "A backup disk was shipped unencrypted and has been lost.",
            Nature = BreachNature.Confidentiality | BreachNature.Availability,
            DataCategories = "account; prompt text; usage metadata",
            Consequences = german ? "Unbefugte könnten Kontodaten und Prompts lesen." : "Unauthorised persons could read account data and prompts.",
            Measures = german ? "Zugangsdaten zurückgesetzt, Versanddienstleister informiert." : "Credentials reset, courier informed.",
            Risk = BreachRisk.HighRisk, AffectedAccounts = 1234, AffectedErasedAccounts = 2, AffectedRecords = 5678,
            AuthorityNotifiedAt = notified ? d.Now.AddHours(-1) : null, AuthorityReference = notified ? "LDI-2026-0815" : null,
            UsersNotifiedAt = notified ? d.Now : null, UsersNotified = notified ? 1232 : 0,
        };
    }

    /// <summary>A second and third processing record (image generation over the API, an edit) beside the seed's chat, and a booked top-up.</summary>
    public static async Task AddRecordsAsync(IServiceProvider services, string userId)
    {
        var records = services.GetRequiredService<ProcessingRecordWriter>();
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.ProcessingRecords.Add(records.Create(PrivacySeed.RequestId(), userId, ProcessingPurpose.ImageGeneration, "demo-sd-tiny", "api"));
        db.ProcessingRecords.Add(records.Create(PrivacySeed.RequestId(), userId, ProcessingPurpose.BackgroundRemoval, "demo-rembg", "portal"));
        // A booked top-up, so the deletion certificate lists the payments its participant retains.
        db.Payments.Add(new Payment { UserId = userId, AmountMicros = 50_000_000, Status = PaymentStatus.Booked, CreatedAt = DateTimeOffset.UtcNow.AddDays(-1), BookedAt = DateTimeOffset.UtcNow, MethodType = "card" });
        await db.SaveChangesAsync();
    }
}
