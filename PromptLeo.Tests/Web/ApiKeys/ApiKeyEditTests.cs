using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Organizations;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.ApiKeys;

/// <summary>Renaming a key and editing its scopes and budget: persisted, audited, and refused for keys the actor may not edit.</summary>
public sealed class ApiKeyEditTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private ApiKeyService Keys => factory.Services.GetRequiredService<ApiKeyService>();

    private async Task<ApiKey> KeyRowAsync(Guid id)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == id);
    }

    private async Task<List<AuditEntry>> AuditAsync(params string[] actions)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().Where(a => actions.Contains(a.Action)).ToListAsync();
    }

    [Fact]
    public async Task UpdateAsync_OwnKey_PersistsNameScopesBudgetAndAudits()
    {
        var userId = await factory.CreateUserAsync();
        var created = await factory.CreateKeyAsync(userId);

        Assert.True(await Keys.UpdateAsync(userId, created.Key.Id, new ApiKeyChanges("  renamed key ", [ApiScopes.Knowledge, ApiScopes.Chat], 12.5m)));

        var row = await KeyRowAsync(created.Key.Id);
        Assert.Equal(("renamed key", "chat,knowledge", Money.FromEuro(12.5m)), (row.Name, row.Scopes, row.MonthlyBudgetMicros));
        var entry = Assert.Single(await AuditAsync(AuditActions.ApiKeyChanged), a => a.ActorId == userId);
        Assert.Equal(row.OrganizationId, entry.OrganizationId);
        Assert.Equal($"key {row.Prefix}, scopes chat,knowledge, monthly budget set 12500000 micro-EUR", entry.Details);
        // The narrowed scopes apply to the next request with the key: images are gone.
        Assert.Equal([ApiScopes.Chat, ApiScopes.Knowledge], (await Keys.VerifyAsync(created.Secret))!.Scopes);

        Assert.True(await Keys.UpdateAsync(userId, created.Key.Id, new ApiKeyChanges("renamed key", [ApiScopes.Images], null)));
        Assert.Null((await KeyRowAsync(created.Key.Id)).MonthlyBudgetMicros);
        Assert.Contains(await AuditAsync(AuditActions.ApiKeyChanged), a => a.ActorId == userId && a.Details.EndsWith("scopes images, no budget", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpdateAsync_AnotherUsersKeyId_NotFoundAndNothingChanged()
    {
        var owner = await factory.CreateUserAsync();
        var stranger = await factory.CreateUserAsync();
        var created = await factory.CreateKeyAsync(owner, budgetEur: 3m);
        var before = await KeyRowAsync(created.Key.Id);

        Assert.False(await Keys.UpdateAsync(stranger, created.Key.Id, new ApiKeyChanges("taken over", [ApiScopes.Knowledge], 999m)));
        Assert.False(await Keys.UpdateAsync(stranger, Guid.NewGuid(), new ApiKeyChanges("nothing", [ApiScopes.Chat], null)));

        var after = await KeyRowAsync(created.Key.Id);
        Assert.Equal((before.Name, before.Scopes, before.MonthlyBudgetMicros), (after.Name, after.Scopes, after.MonthlyBudgetMicros));
        Assert.DoesNotContain(await AuditAsync(AuditActions.ApiKeyChanged, OrganizationAuditActions.ApiKeyChanged), a => a.ActorId == stranger);
    }

    [Fact]
    public async Task UpdateAsync_OrganizationRoles_OwnerEditsAnyKeyMembersOnlyTheirOwnBillingNone()
    {
        var org = await OrganizationBudgetTests<ApiPortalFactory>.CreateOrganizationAsync(factory, ("A", OrganizationRole.Member), ("B", OrganizationRole.Member), ("Payer", OrganizationRole.Billing));
        var keyA = await factory.CreateKeyAsync(org.Members["A"]);
        var changes = new ApiKeyChanges("edited", [ApiScopes.Chat], 4m);

        Assert.False(await Keys.UpdateAsync(org.Members["B"], keyA.Key.Id, changes));
        Assert.False(await Keys.UpdateAsync(org.Members["Payer"], keyA.Key.Id, changes));
        Assert.Equal("test key", (await KeyRowAsync(keyA.Key.Id)).Name);

        Assert.True(await Keys.UpdateAsync(org.Owner, keyA.Key.Id, changes));
        Assert.Equal("edited", (await KeyRowAsync(keyA.Key.Id)).Name);
        var entry = Assert.Single(await AuditAsync(OrganizationAuditActions.ApiKeyChanged), a => a.ActorId == org.Owner);
        Assert.Equal(org.Id, entry.OrganizationId);
        Assert.EndsWith($"of member {org.Members["A"]}", entry.Details);

        // A revoked key is no longer editable, not even by an owner.
        Assert.True(await Keys.RevokeAsync(org.Members["A"], keyA.Key.Id));
        Assert.False(await Keys.UpdateAsync(org.Owner, keyA.Key.Id, changes with { Name = "after revocation" }));
        Assert.Equal("edited", (await KeyRowAsync(keyA.Key.Id)).Name);
    }

    [Theory]
    [InlineData(" ", new[] { ApiScopes.Chat }, null)]
    [InlineData("fine", new string[0], null)]
    [InlineData("fine", new[] { "admin" }, null)]
    [InlineData("fine", new[] { ApiScopes.Chat }, -1.0)]
    public async Task UpdateAsync_InvalidChanges_ThrowAndChangeNothing(string name, string[] scopes, double? budget)
    {
        var userId = await factory.CreateUserAsync();
        var created = await factory.CreateKeyAsync(userId);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Keys.UpdateAsync(userId, created.Key.Id, new ApiKeyChanges(name, scopes, (decimal?)budget)));

        Assert.Equal(("test key", "chat,images"), ((await KeyRowAsync(created.Key.Id)).Name, (await KeyRowAsync(created.Key.Id)).Scopes));
    }

    [Fact]
    public void Snippets_CarryTheBaseUrlAndTheKeyForCurlPythonAndJavaScript()
    {
        var snippets = ApiKeySnippets.For("https://portal.example/v1", "pl_abcdefgh_secret");

        Assert.Equal(["curl", "python", "javascript"], snippets.Select(s => s.Id));
        Assert.Contains("curl https://portal.example/v1/chat/completions", snippets[0].Code);
        Assert.Contains("Authorization: Bearer pl_abcdefgh_secret", snippets[0].Code);
        Assert.Contains("OpenAI(base_url=\"https://portal.example/v1\", api_key=\"pl_abcdefgh_secret\")", snippets[1].Code);
        Assert.Contains("new OpenAI({ baseURL: \"https://portal.example/v1\", apiKey: \"pl_abcdefgh_secret\" })", snippets[2].Code);
        Assert.All(snippets, s => Assert.Contains(ApiKeySnippets.ModelPlaceholder, s.Code));
    }
}
