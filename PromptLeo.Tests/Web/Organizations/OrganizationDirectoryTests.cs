using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Web.Organizations;

/// <summary>Personal organizations, company organizations and the organization a request is billed to.</summary>
public sealed class OrganizationDirectoryTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private OrganizationDirectory Directory => factory.Services.GetRequiredService<OrganizationDirectory>();

    private async Task<AppDbContext> DbAsync() => await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task PersonalIdAsync_CalledInParallel_CreatesOneOrganizationOwnedByTheAccount()
    {
        var userId = await factory.CreateUserAsync();

        var ids = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Directory.PersonalIdAsync(userId)));

        Assert.Single(ids.Distinct());
        var membership = Assert.Single(await Directory.MembershipsAsync(userId));
        Assert.Equal((ids[0], true, OrganizationRole.Owner), (membership.OrganizationId, membership.IsPersonal, membership.Role));
    }

    [Fact]
    public async Task CreateAsync_CompanyOrganization_OwnerIsMemberAndActionIsAuditedForTheOrganization()
    {
        var userId = await factory.CreateUserAsync();

        var id = await Directory.CreateAsync(userId, new OrganizationDetails("Muster GmbH", "Hauptstr. 1", "10115", "Berlin", "de", "de 123456789", "de"));

        var memberships = await Directory.MembershipsAsync(userId);
        Assert.Equal([true, false], memberships.Select(m => m.IsPersonal));
        Assert.Equal(("Muster GmbH", OrganizationRole.Owner), (memberships[1].Name, memberships[1].Role));
        await using var db = await DbAsync();
        var organization = await db.Organizations.SingleAsync(o => o.Id == id);
        Assert.Equal(("DE", "DE123456789", "de"), (organization.Country, organization.VatId, organization.Language));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.OrganizationId == id && a.Action == OrganizationAuditActions.Created && a.ActorId == userId));
        await Assert.ThrowsAsync<ArgumentException>(() => Directory.CreateAsync(userId, new OrganizationDetails("  ", null, null, null, null, null, "en")));
    }

    [Fact]
    public async Task ActiveAsync_ChosenOrganization_BillsItUntilTheMembershipEnds()
    {
        var userId = await factory.CreateUserAsync();
        var company = await Directory.CreateAsync(userId, new OrganizationDetails("Kunde AG", null, null, null, "DE", null, "de"));
        var personal = await Directory.PersonalIdAsync(userId);
        Assert.Equal(personal, (await Directory.ForInferenceAsync(userId, null)).OrganizationId);

        Assert.True(await Directory.SetActiveAsync(userId, company));
        Assert.Equal(company, (await Directory.ForInferenceAsync(userId, null)).OrganizationId);

        await using (var db = await DbAsync())
        {
            await db.OrganizationMembers.Where(m => m.OrganizationId == company && m.UserId == userId).ExecuteDeleteAsync();
        }
        Assert.Equal(personal, (await Directory.ForInferenceAsync(userId, null)).OrganizationId);
        Assert.False(await Directory.SetActiveAsync(userId, company));
    }

    [Fact]
    public async Task EnsureAllowedAsync_BillingRole_MayNotUseTheModels()
    {
        var owner = await factory.CreateUserAsync();
        var accountant = await factory.CreateUserAsync();
        var company = await Directory.CreateAsync(owner, new OrganizationDetails("Buchhaltung GmbH", null, null, null, "DE", null, "de"));
        await using (var db = await DbAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = company, UserId = accountant, Role = OrganizationRole.Billing });
            await db.SaveChangesAsync();
        }
        Assert.True(await Directory.SetActiveAsync(accountant, company));

        var ex = await Assert.ThrowsAsync<ProcessingRestrictedException>(() => Directory.ForInferenceAsync(accountant, null));

        Assert.Contains("Billing", ex.Message);
    }

    [Fact]
    public async Task ApiKey_CreatedInCompany_BillsTheCompany_AndStopsWhenItsCreatorLeaves()
    {
        var userId = await factory.CreateUserAsync();
        var company = await Directory.CreateAsync(userId, new OrganizationDetails("Schlüssel KG", null, null, null, "DE", null, "de"));
        Assert.True(await Directory.SetActiveAsync(userId, company));
        var key = await factory.CreateKeyAsync(userId);
        // Switching the portal afterwards does not move the key.
        Assert.True(await Directory.SetActiveAsync(userId, await Directory.PersonalIdAsync(userId)));

        Assert.Equal(company, (await Directory.ForInferenceAsync(userId, key.Key.Id)).OrganizationId);

        await using (var db = await DbAsync())
        {
            await db.OrganizationMembers.Where(m => m.OrganizationId == company && m.UserId == userId).ExecuteDeleteAsync();
        }
        var ex = await Assert.ThrowsAsync<ProcessingRestrictedException>(() => Directory.ForInferenceAsync(userId, key.Key.Id));
        Assert.Contains("no longer a member", ex.Message);
    }

    [Fact]
    public async Task ChatRequest_ThroughTheApi_UsageEventNamesTheKeysOrganization()
    {
        var userId = await factory.CreateUserAsync();
        var company = await Directory.CreateAsync(userId, new OrganizationDetails("Nutzung SE", null, null, null, "DE", null, "de"));
        Assert.True(await Directory.SetActiveAsync(userId, company));
        var key = await factory.CreateKeyAsync(userId);
        using var client = factory.ClientWithKey(key.Secret);

        var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = ApiPortalFactory.ChatModel, messages = new[] { new { role = "user", content = "hallo" } }, max_tokens = 4 });

        response.EnsureSuccessStatusCode();
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal((company, key.Key.Id, userId), (usage.OrganizationId, usage.ApiKeyId, usage.UserId));
    }
}
