using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using PromptLeo.Web.Data;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>The <c>InvoiceLanguage</c> migration: invoices issued before it were German-first, so they become "de".</summary>
public sealed class InvoiceLanguageMigrationTests
{
    [Fact]
    public async Task Migration_InvoiceIssuedBefore_IsMarkedGerman()
    {
        var path = Path.Combine(Path.GetTempPath(), $"invoice-language-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={path};Pooling=False").Options);
            var migrations = db.Database.GetMigrations().ToList();
            var index = migrations.FindIndex(m => m.EndsWith("_InvoiceLanguage", StringComparison.Ordinal));
            Assert.True(index > 0, "the InvoiceLanguage migration exists and is not the first");
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(migrations[index - 1]);
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO Invoices (Id, Sequence, Number, UserId, PeriodStart, PeriodEnd, IssuedAt, BuyerAddress, NetMicros, VatRatePercent, VatCategory, EInvoiceFormat, VatMicros, GrossMicros, ReverseCharge, Pdf)
                VALUES ('0193a7b0-0000-7000-8000-000000000001', 1, 'PL-2026-000001', 'u1', '2026-11-01 00:00:00+00:00', '2026-12-01 00:00:00+00:00', '2026-12-01 00:00:00+00:00', 'Kunde AG', 1000000, 19, 'S', 0, 190000, 1190000, 0, X'25504446')
                """);

            await migrator.MigrateAsync(migrations[index]);

            Assert.Equal("de", await db.Invoices.AsNoTracking().Select(i => i.Language).SingleAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
