using System.Data.Common;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>Issue 14: the final invoice at erasure, the unlinked invoice archive, and its statutory retention.</summary>
public sealed class InvoiceArchiveTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private IDbContextFactory<AppDbContext> DbFactory => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private sealed record Erased(SeededUser User, string Pseudonym, string RequestId, Invoice Invoice, ErasureResult Result, MimeKit.MimeMessage Mail);

    /// <summary>Postpaid usage this month, erased in stages so the mail can be read before stage 3 deletes the address's copies.</summary>
    private async Task<Erased> EraseWithUsageAsync(string language = "en")
    {
        var user = await PrivacySeed.CreateAsync(factory, language);
        var requestId = $"req_{Guid.NewGuid():N}"[..24];
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            db.UsageEvents.Add(new UsageEvent { OrganizationId = await factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(user.Id), UserId = user.Id, ModelId = "demo-chat", Kind = "chat", OutputTokens = 1000, AmountMicros = 4_000_000, RequestId = requestId, At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        var eraser = factory.Services.GetRequiredService<AccountEraser>();
        var job = await eraser.BeginAsync(user.Id, user.Id, CancellationToken.None);
        await eraser.EraseContentAsync(job, CancellationToken.None);
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, user.Email);
        var result = await eraser.ContinueAsync(job.Id);
        var number = Path.GetFileNameWithoutExtension(mail.Attachments.OfType<MimeKit.MimePart>().Single().FileName);
        await using var check = await DbFactory.CreateDbContextAsync();
        var invoice = await check.Invoices.AsNoTracking().SingleAsync(i => i.Number == number);
        return new Erased(user, job.Pseudonym, requestId, invoice, result, mail);
    }

    private static string Today(string format) => DateTime.UtcNow.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Erase_WithOpenUsage_FinalInvoiceEndsOnErasureDateAndIsMailedBeforeTheAccountGoes()
    {
        var erased = await EraseWithUsageAsync();

        Assert.Equal(DateTime.UtcNow.Date.AddDays(1), erased.Invoice.PeriodEnd.UtcDateTime);
        Assert.Equal(4_000_000, erased.Invoice.NetMicros);
        var attachment = erased.Mail.Attachments.OfType<MimeKit.MimePart>().Single();
        using var pdf = new MemoryStream();
        attachment.Content!.DecodeTo(pdf);
        var text = PdfArtifacts.Text(pdf.ToArray());
        Assert.Contains(erased.Invoice.Number, text);
        Assert.Contains($"– {Today("yyyy-MM-dd")}", text);
        Assert.Contains(erased.Invoice.Number, erased.Mail.Subject);
    }

    [Theory]
    [InlineData("de", "Rechnung", "Leistungszeitraum", "dd.MM.yyyy", "Invoice")]
    [InlineData("en", "Invoice", "Service period", "yyyy-MM-dd", "Rechnung")]
    public async Task Erase_FinalInvoiceMailAttachment_IsInTheAccountsLanguageOnly(string language, string title, string period, string dateFormat, string otherTitle)
    {
        var erased = await EraseWithUsageAsync(language);

        Assert.Equal(language, erased.Invoice.Language);
        using var pdf = new MemoryStream();
        erased.Mail.Attachments.OfType<MimeKit.MimePart>().Single().Content!.DecodeTo(pdf);
        var text = PdfArtifacts.Text(pdf.ToArray());
        Assert.Contains($"{title} {erased.Invoice.Number}", text);
        Assert.Contains($"{period}", text);
        Assert.Contains($"– {Today(dateFormat)}", text);
        Assert.DoesNotContain(otherTitle, text);
    }

    [Fact]
    public async Task Erase_WithOpenUsage_NoRetainedValueJoinsTheInvoiceToThePseudonymizedRows()
    {
        var erased = await EraseWithUsageAsync();
        var invoiceIdentifiers = new[] { erased.Invoice.Number, erased.Invoice.Id.ToString(), erased.User.DisplayName, $"Zylinski{erased.User.DisplayName[^10..]}", erased.User.Email };
        var recordKeys = new[] { erased.Pseudonym, erased.User.Id, erased.RequestId };

        await using var db = await DbFactory.CreateDbContextAsync();
        Assert.True(await db.UsageEvents.AnyAsync(e => e.UserId == erased.Pseudonym), "the usage is retained, pseudonymized");
        Assert.True(await db.AuditEntries.AnyAsync(a => a.SubjectId == erased.Pseudonym), "the audit trail is retained, pseudonymized");
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var scanned = 0;
        foreach (var table in await TablesAsync(connection))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"" + (table == "Invoices" ? " WHERE Number = $n" : "");
            command.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$n", erased.Invoice.Number));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var column = 0; column < reader.FieldCount; column++)
                {
                    var value = DatabaseScan.CellText(reader.GetValue(column));
                    scanned++;
                    // The archive carries no key of the pseudonymized rows; nothing else carries a value of the invoice.
                    var forbidden = table == "Invoices" ? recordKeys : invoiceIdentifiers;
                    var hit = forbidden.FirstOrDefault(f => value.Contains(f, StringComparison.OrdinalIgnoreCase));
                    Assert.True(hit is null, $"{table}.{reader.GetName(column)} holds '{hit}', which joins the invoice to the pseudonymized records");
                }
            }
        }
        Assert.True(scanned > 100, "every retained table was read");
    }

    [Fact]
    public async Task Erase_German_CertificateNamesFinalInvoiceWithDateKeptUntilSourceAndSeparation()
    {
        var erased = await EraseWithUsageAsync("de");
        var text = PdfArtifacts.Text(erased.Result.Certificate);
        var keptUntil = $"31.12.{erased.Invoice.IssuedAt.Year + 8}";

        Assert.Contains(erased.Invoice.Number, text);
        Assert.Contains(Today("dd.MM.yyyy"), text);
        Assert.Contains(keptUntil, text);
        Assert.Contains("§ 14b Abs. 1 UStG", text);
        Assert.Contains("§ 147 Abs. 1 Nr. 4, Abs. 3 AO", text);
        Assert.Contains("Rechnungsarchiv", text);
        Assert.Contains("weder obige Referenz noch Ihre Konto-ID noch eine Anfrage-ID", text);
        Assert.Contains($"31.12.{DateTime.UtcNow.Year + 10}", text);
    }

    [Fact]
    public async Task Erase_English_CertificateCitesTheLawInEnglishAndStoredCopyIsSealed()
    {
        var erased = await EraseWithUsageAsync();
        var text = PdfArtifacts.Text(erased.Result.Certificate);

        Assert.Contains("Invoice archive", text);
        Assert.Contains("8 years from the end of the year of issue", text);
        Assert.Contains("§ 14b Abs. 1 UStG", text);
        Assert.Contains($"{erased.Invoice.IssuedAt.Year + 8}-12-31", text);
        await using var db = await DbFactory.CreateDbContextAsync();
        var stored = await db.ErasureJobs.Where(j => j.Id == erased.Result.JobId).Select(j => j.Certificate).SingleAsync();
        Assert.False(Encoding.ASCII.GetString(stored!).Contains("%PDF"), "the stored copy is sealed with the download token");
        Assert.Null(CertificateSeal.Open(stored!, "wrong-token"));
    }

    [Fact]
    public async Task ConfirmationPage_AfterErasure_OffersFinalInvoiceDownloadWithTheCertificateTokenOnly()
    {
        var erased = await EraseWithUsageAsync();
        var client = factory.CreateClient();
        var token = Uri.EscapeDataString(erased.Result.CertificateToken);

        var html = await client.GetStringAsync($"/privacy/erased/{erased.Result.JobId}?token={token}");
        var link = Regex.Match(html, "href=\"(/privacy/erasure/[^\"]+/documents/[^\"]+)\"").Groups[1].Value.Replace("&amp;", "&");
        Assert.Contains(erased.Invoice.Number, link);
        var pdf = await client.GetByteArrayAsync(link);
        Assert.Equal(erased.Invoice.Pdf, pdf);
        var wrong = await client.GetAsync($"/privacy/erasure/{erased.Result.JobId}/documents/{erased.Invoice.Number}.pdf?token=not-the-token");
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
    }

    [Fact]
    public async Task EraseAccountPage_BeforeErasure_StatesBothRetentionPeriodsAndTheFinalInvoice()
    {
        var html = await SignedInPageAsync("/privacy/erase");

        Assert.Contains("usage records to be kept for 10 years", html);
        Assert.Contains("invoices for 8 years (§ 147 AO, § 14b UStG)", html);
        Assert.Contains("Your final invoice, for the service up to today, is e-mailed to you", html);
        // Backups: the page names the same condition as the certificate and the DPA, with the configured key-backup days.
        Assert.Contains($"so encrypted copies in backups become unreadable once the key backups kept by the operator have expired (at most {KeyBackupDays} days)", html);
    }

    [Theory]
    [InlineData("en", "invoices 8 years (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b UStG, as of 2025)", "Usage and credit records 10 years (§ 147 Abs. 1 Nr. 1, Abs. 3 AO), pseudonymized")]
    [InlineData("de", "Rechnungen 8 Jahre (§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 14b UStG, Fassung ab 2025)", "Nutzungs- und Guthabenbuchungen 10 Jahre (§ 147 Abs. 1 Nr. 1, Abs. 3 AO), nach")]
    public async Task Register_BillingRow_CitesBothRetentionPeriodsAndTheirSources(string language, string invoices, string books)
    {
        var pdf = await factory.Services.GetRequiredService<ProcessingRegisterWriter>().WriteAsync(language, DateTimeOffset.UtcNow);

        var text = PdfArtifacts.Text(pdf);

        Assert.True(ContainsInOrder(text, invoices), $"the register says: {invoices}");
        Assert.True(ContainsInOrder(text, books), $"the register says: {books}");
    }

    /// <summary>The phrase's words in order within a short window: a narrow table cell wraps, and its lines interleave with the next cells'.</summary>
    private static bool ContainsInOrder(string text, string phrase)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var wanted = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var start = 0; start < words.Length; start++)
        {
            if (words[start] != wanted[0])
            {
                continue;
            }
            var found = 1;
            for (var i = start + 1; i < words.Length && i < start + wanted.Length * 4 && found < wanted.Length; i++)
            {
                if (words[i] == wanted[found])
                {
                    found++;
                }
            }
            if (found == wanted.Length)
            {
                return true;
            }
        }
        return false;
    }

    [Fact]
    public async Task PrivacyPage_RetentionTable_StatesBooksAndInvoicePeriods()
    {
        var html = await SignedInPageAsync("/privacy");

        Assert.Contains("10 years, pseudonymized after erasure · invoices 8 years (§ 14b UStG), unlinked", html);
        Assert.Contains("Usage records stay, pseudonymized, for 10 years; invoices, unlinked from them, for 8 years (tax law)", html);
        Assert.Contains($"so backup copies become unreadable once the key backups kept by the operator have expired (at most {KeyBackupDays} days)", html);
    }

    private int KeyBackupDays => factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PromptLeo.Web.Features.Privacy.PrivacyOptions>>().Value.KeyBackupRetentionDays;

    [Fact]
    public async Task Purge_AfterInvoiceRetention_RemovesArchivedInvoiceNotBefore()
    {
        var erased = await EraseWithUsageAsync();
        var purger = factory.Services.GetRequiredService<RetentionPurger>();
        var lastDay = new DateTimeOffset(erased.Invoice.IssuedAt.Year + 8, 12, 31, 12, 0, 0, TimeSpan.Zero);

        await purger.PurgeAsync(lastDay);
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            Assert.True(await db.Invoices.AnyAsync(i => i.Id == erased.Invoice.Id), "kept to the end of the eighth year after issue");
        }
        var counts = await purger.PurgeAsync(lastDay.AddDays(1));
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            Assert.False(await db.Invoices.AnyAsync(i => i.Id == erased.Invoice.Id));
            Assert.True(await db.UsageEvents.AnyAsync(e => e.UserId == erased.Pseudonym), "books and records keep their 10 years");
        }
        Assert.Contains("archivedInvoices", counts.ToString());
    }

    [Fact]
    public async Task Purge_AfterBooksRetention_RemovesTheErasedAccountsBookingRecordsNotBefore()
    {
        var erased = await EraseWithUsageAsync();
        var living = await PrivacySeed.CreateAsync(factory);
        var now = DateTimeOffset.UtcNow;
        var payment = new Payment { UserId = erased.Pseudonym, AmountMicros = 5_000_000, Status = PaymentStatus.Booked, CreatedAt = now, BookedAt = now };
        var livingCredit = new CreditTransaction { UserId = living.Id, AmountMicros = 5_000_000, Reference = "admin:old", At = now.AddYears(-12) };
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            db.CreditTransactions.Add(new CreditTransaction { UserId = erased.Pseudonym, AmountMicros = 5_000_000, Reference = "admin:test", At = now });
            db.Payments.Add(payment);
            db.CreditTransactions.Add(livingCredit);
            await db.SaveChangesAsync();
        }
        var purger = factory.Services.GetRequiredService<RetentionPurger>();
        var lastVoucherDay = new DateTimeOffset(now.Year + 8, 12, 31, 12, 0, 0, TimeSpan.Zero);
        var lastBooksDay = new DateTimeOffset(now.Year + 10, 12, 31, 12, 0, 0, TimeSpan.Zero);

        await purger.PurgeAsync(lastVoucherDay);
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            Assert.True(await db.Payments.AnyAsync(x => x.Id == payment.Id), "the payment voucher is kept to the end of the eighth year");
        }
        await purger.PurgeAsync(lastVoucherDay.AddDays(1));
        await purger.PurgeAsync(lastBooksDay);
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            Assert.False(await db.Payments.AnyAsync(x => x.Id == payment.Id));
            Assert.True(await db.UsageEvents.AnyAsync(e => e.UserId == erased.Pseudonym), "usage is kept to the end of the tenth year");
            Assert.True(await db.CreditTransactions.AnyAsync(c => c.UserId == erased.Pseudonym));
        }
        var counts = await purger.PurgeAsync(lastBooksDay.AddDays(1));
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            Assert.False(await db.UsageEvents.AnyAsync(e => e.UserId == erased.Pseudonym));
            Assert.False(await db.CreditTransactions.AnyAsync(c => c.UserId == erased.Pseudonym));
            Assert.True(await db.CreditTransactions.AnyAsync(c => c.Id == livingCredit.Id), "a living account's balance is the sum of its rows");
        }
        Assert.Contains("erasedUsageEvents", counts.ToString());
    }

    [Fact]
    public async Task Purge_ConfiguredRetentionAndLegacyPseudonym_ArchivesThenHonoursTheSetting()
    {
        Assert.Equal(8, factory.Services.GetRequiredService<IOptions<PrivacyOptions>>().Value.InvoiceRetentionYears);
        Assert.Equal(10, factory.Services.GetRequiredService<IOptions<PrivacyOptions>>().Value.BooksRetentionYears);
        var sequence = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);
        var legacy = new Invoice { Sequence = sequence, Number = $"LEG-{sequence}", UserId = "erased-legacy" + sequence, IssuedAt = new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero), BuyerAddress = "Alt GmbH" };
        await using var db = await DbFactory.CreateDbContextAsync();
        db.Invoices.Add(legacy);
        await db.SaveChangesAsync();
        var threeYears = new InvoiceArchiveRetention(Options.Create(new PrivacyOptions { InvoiceRetentionYears = 3 }));

        var kept = await threeYears.PurgeAsync(db, new DateTimeOffset(2023, 12, 31, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);
        Assert.Equal(0, kept["archivedInvoices"]);
        Assert.Equal(InvoiceArchive.Unlinked, await db.Invoices.Where(i => i.Id == legacy.Id).Select(i => i.UserId).SingleAsync());
        await threeYears.PurgeAsync(db, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);
        Assert.False(await db.Invoices.AnyAsync(i => i.Id == legacy.Id));
    }

    [Theory]
    [InlineData("en", "Invoices: 8 years (§ 147 AO, § 14b UStG), after", "Usage events: 10 years (§ 147 AO), pseudonymized")]
    [InlineData("de", "Rechnungen: 8 Jahre (§ 147 AO, § 14b UStG), nach", "Nutzungsereignisse: 10 Jahre (§ 147 AO), nach")]
    public async Task AccessReport_Retention_StatesInvoiceAndBooksPeriods(string language, string invoices, string books)
    {
        var user = await PrivacySeed.CreateAsync(factory, language);
        await using var db = await DbFactory.CreateDbContextAsync();
        var account = await db.Users.SingleAsync(u => u.Id == user.Id);

        var text = PdfArtifacts.Text(factory.Services.GetRequiredService<AccessReportWriter>().Write(account, new Dictionary<string, int>(), DateTimeOffset.UtcNow));

        Assert.True(ContainsInOrder(text, invoices), $"the report says: {invoices}");
        Assert.True(ContainsInOrder(text, books), $"the report says: {books}");
    }

    private async Task<string> SignedInPageAsync(string path)
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.LoginAsync(client, user.Email, user.Password);
        return WebUtility.HtmlDecode(await client.GetStringAsync(path));
    }

    private static async Task<List<string>> TablesAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }
}
