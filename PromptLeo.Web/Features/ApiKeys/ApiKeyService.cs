using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.ApiKeys;

public static class ApiScopes
{
    public const string Chat = "chat";
    public const string Images = "images";
    /// <summary>Knowledge collections through /v1/collections (and collections in chat completions).</summary>
    public const string Knowledge = "knowledge";

    public static readonly IReadOnlyList<string> All = [Chat, Images, Knowledge];
}

/// <summary>A key as shown in lists: never the secret.</summary>
public sealed record ApiKeySummary(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, long? MonthlyBudgetMicros)
{
    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    /// <summary>The creating member as owners and admins see it (name and e-mail); null once they left the organization.</summary>
    public string? Creator { get; init; }

    /// <summary>The key was created by the member looking at the list.</summary>
    public bool IsOwn { get; init; }
}

/// <summary>The keys of the organization the user acts for that they may see: their own, or all for owners and admins.</summary>
public sealed record OrganizationKeys(Organizations.Membership Membership, IReadOnlyList<ApiKeySummary> Keys)
{
    /// <summary>Owners and admins see, revoke and budget every member's keys.</summary>
    public bool ManagesAll => Organizations.OrganizationPermissions.CanManageMembers(Membership.Role);

    public bool CanCreate => Organizations.OrganizationPermissions.CanCreateKeys(Membership.Role);
}

/// <summary>What the key dialog changes: the name, the scopes and the monthly budget in EUR (null = none).</summary>
public sealed record ApiKeyChanges(string Name, IReadOnlyCollection<string> Scopes, decimal? MonthlyBudgetEur);

/// <summary>A new key with its secret, which is shown exactly once.</summary>
public sealed record CreatedApiKey(ApiKeySummary Key, string Secret);

/// <summary>The caller behind a valid key.</summary>
public sealed record ApiCaller(string UserId, Guid KeyId, IReadOnlyList<string> Scopes);

/// <summary>
/// Creates, lists, revokes and verifies API keys. A key reads <c>pl_&lt;8 id chars&gt;_&lt;43 secret chars&gt;</c>; the
/// database keeps the visible prefix and the SHA-256 of the whole key. SHA-256 (not a slow password hash) is right
/// here because the secret has 256 bits of entropy and every API request verifies it.
/// </summary>
public sealed class ApiKeyService(IDbContextFactory<AppDbContext> dbFactory, Organizations.OrganizationDirectory organizations, Privacy.AuditLog audit, Cluster.IClusterBus cluster, TimeProvider time, ILogger<ApiKeyService> logger)
{
    public const int MaxKeysPerUser = 50;

    public async Task<CreatedApiKey> CreateAsync(string userId, string name, IReadOnlyCollection<string> scopes, DateTimeOffset? expiresAt, decimal? monthlyBudgetEur, CancellationToken cancellationToken = default)
    {
        name = ValidName(name);
        var scopeList = ValidScopes(scopes);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The key bills the organization the user acts for when creating it; the role must allow it.
        var membership = await organizations.ActiveAsync(db, userId, cancellationToken);
        if (!Organizations.OrganizationPermissions.CanCreateKeys(membership.Role))
        {
            throw new Billing.OrganizationRoleRefusedException($"Your role in this organization ({membership.Role}) cannot create API keys. Switch to another organization or ask an owner for another role.");
        }
        if (await db.ApiKeys.CountAsync(k => k.UserId == userId && k.RevokedAt == null, cancellationToken) >= MaxKeysPerUser)
        {
            throw new InvalidOperationException("Too many active keys; revoke one first.");
        }
        var prefix = "pl_" + Base32(RandomNumberGenerator.GetBytes(5));
        var secret = prefix + "_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var key = new ApiKey
        {
            OrganizationId = membership.OrganizationId,
            UserId = userId,
            Name = name,
            Prefix = prefix,
            SecretHash = Hash(secret),
            Scopes = scopeList,
            ExpiresAt = expiresAt,
            MonthlyBudgetMicros = monthlyBudgetEur is { } eur ? Billing.Money.FromEuro(eur) : null,
            CreatedAt = time.GetUtcNow(),
        };
        db.ApiKeys.Add(key);
        var entry = audit.Create(userId, userId, Privacy.AuditActions.ApiKeyCreated, $"key {prefix}, scopes {key.Scopes}");
        entry.OrganizationId = membership.OrganizationId;
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("API key {KeyPrefix} created for {UserId}", prefix, userId);
        return new CreatedApiKey(ToSummary(key), secret);
    }

    /// <summary>The user's own keys in every organization (export and tests).</summary>
    public async Task<IReadOnlyList<ApiKeySummary>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId).ToListAsync(cancellationToken);
        return keys.OrderByDescending(k => k.CreatedAt).Select(k => ToSummary(k) with { IsOwn = true }).ToList();
    }

    /// <summary>
    /// The keys of the organization the user acts for: a member sees their own; owners and admins see all, with the
    /// creating member's name and e-mail (none for a member who has left).
    /// </summary>
    public async Task<OrganizationKeys> ListForActiveAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var membership = await organizations.ActiveAsync(db, userId, cancellationToken);
        var all = Organizations.OrganizationPermissions.CanManageMembers(membership.Role);
        var keys = await db.ApiKeys.AsNoTracking()
            .Where(k => k.OrganizationId == membership.OrganizationId && (all || k.UserId == userId)).ToListAsync(cancellationToken);
        var creators = await Billing.MemberLabels.ForAsync(db, membership.OrganizationId, keys.Select(k => k.UserId), cancellationToken);
        return new OrganizationKeys(membership, [.. keys.OrderByDescending(k => k.CreatedAt)
            .Select(k => ToSummary(k) with { Creator = creators.GetValueOrDefault(k.UserId), IsOwn = k.UserId == userId })]);
    }

    /// <summary>Revokes a key: the creator their own, owners and admins any key of their organization. False when the actor may not or the key is gone.</summary>
    public async Task<bool> RevokeAsync(string userId, Guid keyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await ManageableKeyAsync(db, userId, keyId, cancellationToken) is not { } key)
        {
            return false;
        }
        var now = time.GetUtcNow();
        var changed = await db.ApiKeys.Where(k => k.Id == keyId && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), cancellationToken);
        if (changed > 0)
        {
            db.AuditEntries.Add(key.UserId == userId
                ? audit.Create(userId, userId, Privacy.AuditActions.ApiKeyRevoked, $"key {keyId}")
                : organizations.Audit(userId, key.OrganizationId, Organizations.OrganizationAuditActions.ApiKeyRevoked, $"key {key.Prefix} of member {key.UserId}"));
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("API key {KeyId} revoked by {UserId}", keyId, userId);
            await cluster.PublishAsync(Cluster.ClusterInvalidation.ForApiKey(key.UserId, keyId), cancellationToken);
        }
        return changed > 0;
    }

    /// <summary>Sets a key's monthly budget (empty = none): the creator their own, owners and admins any key of their organization.</summary>
    /// <exception cref="Billing.OrganizationRoleRefusedException">The actor may not change this key.</exception>
    public async Task SetBudgetAsync(string userId, Guid keyId, decimal? monthlyBudgetEur, CancellationToken cancellationToken = default)
    {
        if (monthlyBudgetEur < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(monthlyBudgetEur), "The budget must not be negative.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await ManageableKeyAsync(db, userId, keyId, cancellationToken)
            ?? throw new Billing.OrganizationRoleRefusedException("Only the key's creator and the organization's owners and admins set a key's budget.");
        var budget = monthlyBudgetEur is { } eur ? Billing.Money.FromEuro(eur) : (long?)null;
        await db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(s => s.SetProperty(k => k.MonthlyBudgetMicros, budget), cancellationToken);
        db.AuditEntries.Add(organizations.Audit(userId, key.OrganizationId, Organizations.OrganizationAuditActions.ApiKeyBudgetChanged,
            $"key {key.Prefix}: {budget?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} micro-EUR"));
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Budget of API key {KeyId} changed by {UserId}", keyId, userId);
    }

    /// <summary>
    /// Renames a key and sets its scopes and monthly budget. The creator may while their role lets them create keys; owners
    /// and admins may for any key of their organization. False (nothing changed) for a key that is unknown, revoked or
    /// not the actor's to edit, so another member's key id reads as not found.
    /// </summary>
    /// <exception cref="ArgumentException">An empty or too long name, no or an unknown scope, or a negative budget.</exception>
    public async Task<bool> UpdateAsync(string userId, Guid keyId, ApiKeyChanges changes, CancellationToken cancellationToken = default)
    {
        var name = ValidName(changes.Name);
        var scopes = ValidScopes(changes.Scopes);
        if (changes.MonthlyBudgetEur < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(changes), "The budget must not be negative.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.RevokedAt == null, cancellationToken);
        var role = key is null ? null : (await Organizations.OrganizationDirectory.MembershipAsync(db, key.OrganizationId, userId, cancellationToken))?.Role;
        if (key is null || role is not { } actorRole || !Organizations.OrganizationPermissions.CanEditKey(actorRole, key.UserId == userId))
        {
            return false;
        }
        key.Name = name;
        key.Scopes = scopes;
        key.MonthlyBudgetMicros = changes.MonthlyBudgetEur is { } eur ? Billing.Money.FromEuro(eur) : null;
        // The details use the audit log's translated words; the name is the member's free text and stays out of the log.
        var details = $"key {key.Prefix}, scopes {scopes}, " + (key.MonthlyBudgetMicros is { } micros
            ? $"monthly budget set {micros.ToString(System.Globalization.CultureInfo.InvariantCulture)} micro-EUR" : "no budget");
        if (key.UserId == userId)
        {
            var entry = audit.Create(userId, userId, Privacy.AuditActions.ApiKeyChanged, details);
            entry.OrganizationId = key.OrganizationId;
            db.AuditEntries.Add(entry);
        }
        else
        {
            db.AuditEntries.Add(organizations.Audit(userId, key.OrganizationId, Organizations.OrganizationAuditActions.ApiKeyChanged, details + $" of member {key.UserId}"));
        }
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("API key {KeyId} changed by {UserId}", keyId, userId);
        // Other nodes drop what they cached for the key, so narrowed scopes apply at once.
        await cluster.PublishAsync(Cluster.ClusterInvalidation.ForApiKey(key.UserId, keyId), cancellationToken);
        return true;
    }

    private static string ValidName(string name)
    {
        name = name.Trim();
        return name.Length is 0 or > 100 ? throw new ArgumentException("The name must have 1 to 100 characters.", nameof(name)) : name;
    }

    // Stored in the fixed order of ApiScopes.All, comma-separated.
    private static string ValidScopes(IReadOnlyCollection<string> scopes) =>
        scopes.Count == 0 || scopes.Any(s => !ApiScopes.All.Contains(s))
            ? throw new ArgumentException("Pick at least one known scope.", nameof(scopes))
            : string.Join(',', ApiScopes.All.Where(scopes.Contains));

    // Checked on the server for every action: the creator, or an owner or admin of the key's organization.
    private static async Task<ApiKey?> ManageableKeyAsync(AppDbContext db, string userId, Guid keyId, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null || key.UserId == userId)
        {
            return key;
        }
        var membership = await Organizations.OrganizationDirectory.MembershipAsync(db, key.OrganizationId, userId, cancellationToken);
        return membership is not null && Organizations.OrganizationPermissions.CanManageMembers(membership.Role) ? key : null;
    }

    /// <summary>The caller for a presented key, or null when the key is unknown, wrong, revoked or expired, or its account is disabled or gone. A sign-in lockout does not stop keys.</summary>
    public async Task<ApiCaller?> VerifyAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (presented.Length is < 20 or > 100 || !presented.StartsWith("pl_", StringComparison.Ordinal) || presented.Length < 12 || presented[11] != '_')
        {
            return null;
        }
        var prefix = presented[..11];
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await (db.Database.IsNpgsql() ? FindKeyPostgres : FindKeySqlite)(db, prefix);
        if (row is null || !CryptographicOperations.FixedTimeEquals(row.SecretHash, Hash(presented)))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (row.RevokedAt is not null || row.ExpiresAt <= now || row.DisabledAt is not null)
        {
            return null;
        }
        // Last use is shown to the owner to the minute; writing it less often keeps verification a read.
        if (row.LastUsedAt is null || now - row.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await db.ApiKeys.Where(k => k.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
        }
        return new ApiCaller(row.UserId, row.Id, row.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries));
    }

    private sealed record KeyRow(Guid Id, string UserId, byte[] SecretHash, string Scopes, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? DisabledAt);

    // One compiled query checks the key and its account row on every request; both are indexed lookups. A compiled query
    // keeps the provider it first ran on, so each provider has its own (the tests run SQLite and PostgreSQL in one process).
    private static readonly Func<AppDbContext, string, Task<KeyRow?>> FindKeySqlite = CompileFindKey();
    private static readonly Func<AppDbContext, string, Task<KeyRow?>> FindKeyPostgres = CompileFindKey();

    private static Func<AppDbContext, string, Task<KeyRow?>> CompileFindKey() => EF.CompileAsyncQuery((AppDbContext db, string prefix) =>
        db.ApiKeys.AsNoTracking()
            .Where(k => k.Prefix == prefix)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new KeyRow(k.Id, k.UserId, k.SecretHash, k.Scopes, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, u.DisabledAt))
            .FirstOrDefault());

    internal static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static ApiKeySummary ToSummary(ApiKey k) =>
        new(k.Id, k.Name, k.Prefix, k.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries), k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt, k.MonthlyBudgetMicros);

    private static string Base32(byte[] bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var bits = 0;
        var value = 0;
        var output = new StringBuilder();
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                output.Append(alphabet[(value >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return output.ToString();
    }
}
