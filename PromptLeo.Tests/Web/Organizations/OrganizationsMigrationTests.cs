using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using PromptLeo.Web.Data;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>The <c>Organizations</c> migration: every account becomes a personal organization of one that owns its books.</summary>
public sealed class OrganizationsMigrationTests
{
    [Fact]
    public async Task Migration_ExistingAccounts_BecomePersonalOrganizationsOwningTheirKeysUsageCreditAndBudget()
    {
        var path = Path.Combine(Path.GetTempPath(), $"organizations-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={path};Pooling=False").Options);
            var migrations = db.Database.GetMigrations().ToList();
            var index = migrations.FindIndex(m => m.EndsWith("_Organizations", StringComparison.Ordinal));
            Assert.True(index > 0, "the Organizations migration exists and is not the first");
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(migrations[index - 1]);
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO AspNetUsers (Id, PreferredLanguage, PrefersDarkMode, ProcessingRestricted, CreatedAt, EInvoiceFormat, EmailConfirmed, PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnabled, AccessFailedCount)
                VALUES ('u-de', 'de', 0, 0, '2026-01-01 00:00:00+00:00', 0, 1, 0, 0, 1, 0), ('u-en', 'en', 0, 0, '2026-01-01 00:00:00+00:00', 0, 1, 0, 0, 1, 0);
                INSERT INTO BillingAccounts (UserId, Mode, MonthlyBudgetMicros) VALUES ('u-de', 1, 5000000);
                INSERT INTO ApiKeys (Id, UserId, Name, Prefix, SecretHash, Scopes, CreatedAt) VALUES ('0193a7b0-0000-7000-8000-000000000001', 'u-de', 'k', 'pl_aaaaaaaa', X'00', 'chat', 0);
                INSERT INTO CreditTransactions (Id, UserId, AmountMicros, Reference, At) VALUES ('0193a7b0-0000-7000-8000-000000000002', 'u-de', 1000000, 'admin', 0), ('0193a7b0-0000-7000-8000-000000000003', 'erased-x', 1000000, 'admin', 0);
                """);

            await migrator.MigrateAsync(migrations[index]);

            var organizations = await db.Organizations.AsNoTracking().ToListAsync();
            Assert.Equal(["u-de", "u-en"], organizations.Select(o => o.PersonalOwnerId).Order());
            var german = organizations.Single(o => o.PersonalOwnerId == "u-de");
            Assert.Equal((BillingMode.Prepaid, 5000000L, "de", ""), (german.Mode, german.MonthlyBudgetMicros, german.Language, german.Name));
            Assert.Equal((BillingMode.Postpaid, "en"), (organizations.Single(o => o.PersonalOwnerId == "u-en").Mode, organizations.Single(o => o.PersonalOwnerId == "u-en").Language));
            Assert.NotEqual(organizations[0].Id, organizations[1].Id);
            var owners = await db.OrganizationMembers.AsNoTracking().ToListAsync();
            Assert.All(owners, m => Assert.Equal(OrganizationRole.Owner, m.Role));
            Assert.Equal(2, owners.Count);
            Assert.Equal(german.Id, (await db.ApiKeys.AsNoTracking().SingleAsync()).OrganizationId);
            var credit = await db.CreditTransactions.AsNoTracking().ToListAsync();
            Assert.Equal(german.Id, credit.Single(c => c.UserId == "u-de").OrganizationId);
            // An erased account's retained booking matches no organization.
            Assert.Equal(Guid.Empty, credit.Single(c => c.UserId == "erased-x").OrganizationId);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
