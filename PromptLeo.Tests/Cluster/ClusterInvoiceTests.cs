using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Web.Billing;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Cluster;

/// <summary>Monthly invoices on several nodes: one invoice per organization and month, and numbers that stay gapless and unique.</summary>
[Collection(PortalNodesCollection.Name)]
public sealed class ClusterInvoiceTests(PortalNodes nodes) : ClusterInvoiceTestsBase(nodes);

/// <summary>The same on PostgreSQL: the invoice job between two nodes on one PostgreSQL database.</summary>
[Collection(PostgresPortalNodesCollection.Name)]
public sealed class ClusterInvoicePostgresTests(PostgresPortalNodes nodes) : ClusterInvoiceTestsBase(nodes);

public abstract class ClusterInvoiceTestsBase(PortalNodes nodes)
{
    [Fact]
    public async Task IssueMonth_OnBothNodesAtOnce_OneInvoicePerOrganizationAndNoNumberTwice()
    {
        var customers = new List<string>();
        foreach (var country in new[] { "DE", "FR", "AT" })
        {
            customers.Add((await InvoiceCustomers.WithUsageAsync(nodes.A, $"Cluster {country} GmbH", country, null)).UserId);
        }
        var month = UsageLedger.MonthStart(DateTimeOffset.UtcNow);
        await using var db = await nodes.A.DbAsync();
        var before = await db.Invoices.CountAsync();

        var issued = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => nodes.Both[i % 2].Services.GetRequiredService<InvoiceIssuer>().IssueMonthAsync(month)));

        var invoices = await db.Invoices.AsNoTracking().Where(i => i.PeriodStart == month && i.CorrectsInvoiceId == null)
            .Select(i => new { i.OrganizationId, i.UserId, i.Sequence, i.Number }).ToListAsync();
        Assert.All(invoices.GroupBy(i => i.OrganizationId), g => Assert.Single(g));
        Assert.All(customers, c => Assert.Single(invoices, i => i.UserId == c));
        Assert.Equal(await db.Invoices.CountAsync() - before, issued.Sum());
        var sequences = await db.Invoices.Select(i => i.Sequence).OrderBy(s => s).ToListAsync();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(s => (long)s), sequences);
    }
}
