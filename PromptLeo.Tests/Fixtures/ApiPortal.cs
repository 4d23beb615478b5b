using System.Net.Http.Headers;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Billing;

namespace PromptLeo.Tests.Fixtures;

/// <summary>The portal with the demo models, plus helpers that create accounts and API keys directly through the services.</summary>
public class ApiPortalFactory : PortalFactory
{
    public const string ChatModel = "demo-chat";
    public const string ImageModel = "demo-sd-tiny";
    public const string UserPassword = "Api-Passw0rd!";

    public ApiPortalFactory()
    {
    }

    /// <summary>A portal on an existing data folder (another node of the same installation, or a restart).</summary>
    protected ApiPortalFactory(string dataDirectory)
        : base(dataDirectory)
    {
    }

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Inference:CreateDemoModels"] = "true",
    };

    public async Task<string> CreateUserAsync(string? email = null)
    {
        email ??= $"api-{Guid.NewGuid():N}@promptleo.test";
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var result = await users.CreateAsync(user, UserPassword);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        return user.Id;
    }

    /// <summary>A new account signed in through the login form; returns its cookie client.</summary>
    public async Task<(HttpClient Client, string Email, string UserId)> SignedInClientAsync()
    {
        var email = $"portal-{Guid.NewGuid():N}@promptleo.test";
        var userId = await CreateUserAsync(email);
        var client = CreateBrowserLikeClient();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, "Api-Passw0rd!")).StatusCode);
        return (client, email, userId);
    }

    public Task<CreatedApiKey> CreateKeyAsync(string userId, decimal? budgetEur = null, DateTimeOffset? expiresAt = null, string[]? scopes = null) =>
        Services.GetRequiredService<ApiKeyService>().CreateAsync(userId, "test key", scopes ?? [ApiScopes.Chat, ApiScopes.Images], expiresAt, budgetEur);

    /// <summary>A new account with a key; returns a client that sends the key.</summary>
    public async Task<(HttpClient Client, string UserId, CreatedApiKey Key)> CreateApiClientAsync(decimal? keyBudgetEur = null)
    {
        var userId = await CreateUserAsync();
        var key = await CreateKeyAsync(userId, keyBudgetEur);
        return (ClientWithKey(key.Secret), userId, key);
    }

    public HttpClient ClientWithKey(string secret)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    public async Task<List<UsageEvent>> UsageEventsAsync(string userId)
    {
        var factory = Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return (await db.UsageEvents.AsNoTracking().Where(u => u.UserId == userId).ToListAsync()).OrderBy(u => u.At).ToList();
    }

    public async Task<List<ProcessingRecord>> RecordsAsync(string userId)
    {
        var factory = Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.ProcessingRecords.AsNoTracking().Where(r => r.SubjectId == userId).ToListAsync();
    }

    /// <summary>The account's personal organization, which bills what it does in the portal and with its own keys.</summary>
    public Task<Guid> PersonalOrganizationAsync(string userId) =>
        Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(userId);

    /// <summary>Sets the budget and mode of the account's personal organization, as its owner does on the billing page.</summary>
    public async Task SetBudgetAsync(string userId, decimal? budgetEur, BillingMode mode = BillingMode.Postpaid) =>
        await Services.GetRequiredService<BillingAccounts>().SaveSettingsAsync(userId, await PersonalOrganizationAsync(userId), mode, budgetEur);

    /// <summary>Books credit to the account's personal organization, as a site admin does.</summary>
    public async Task TopUpPersonalAsync(string userId, decimal amountEur) =>
        await Services.GetRequiredService<BillingAccounts>().TopUpAsync(await PersonalOrganizationAsync(userId), amountEur, "admin", "test-admin");

    public async Task<long> PersonalBalanceAsync(string userId) =>
        await Services.GetRequiredService<BillingAccounts>().BalanceAsync(await PersonalOrganizationAsync(userId));
}

/// <summary>The API portal on PostgreSQL (see <see cref="PostgresPortal"/>).</summary>
public sealed class PostgresApiPortal : ApiPortalFactory
{
    public PostgresApiPortal() => Postgres = PostgresDatabases.Create();
}
