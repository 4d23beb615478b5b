using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

public enum ReauthenticationResult
{
    Confirmed,
    WrongPassword,
    TwoFactorCodeRequired,
    WrongTwoFactorCode,
    LockedOut,
}

/// <summary>State of the DPA of the organization the user acts for, against the current version.</summary>
public sealed record DpaStatus(string CurrentVersion, DpaAcceptance? Latest)
{
    /// <summary>The organization the DPA is for and whether this user may accept it (owners only).</summary>
    public DpaParty? Party { get; init; }

    /// <summary>A company organization's member who is not an owner: sees the acceptance, cannot give it.</summary>
    public bool MayAccept => Party is null || Party.IsOwner;

    public bool AcceptedCurrent => Latest?.Version == CurrentVersion;

    public bool NeedsReacceptance => Latest is not null && !AcceptedCurrent;
}

/// <summary>The account-side actions of the Privacy Center: re-authentication, retention, restriction, DPA.</summary>
public sealed class PrivacyCenter(
    IServiceScopeFactory scopes,
    IDbContextFactory<AppDbContext> dbFactory,
    AuditLog audit,
    IOptions<PrivacyOptions> options,
    Storage.DataPaths paths,
    Cluster.IClusterBus cluster,
    IDpaParties dpaParties,
    TimeProvider time)
{
    /// <summary>Checks a fresh password and, when 2FA is on, an authenticator or recovery code. Failures count toward lockout.</summary>
    public async Task<ReauthenticationResult> ReauthenticateAsync(string userId, string password, string? twoFactorCode, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return ReauthenticationResult.LockedOut;
        }
        if (!await users.CheckPasswordAsync(user, password ?? ""))
        {
            await users.AccessFailedAsync(user);
            return ReauthenticationResult.WrongPassword;
        }
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            var code = (twoFactorCode ?? "").Replace(" ", "").Replace("-", "");
            if (code.Length == 0)
            {
                return ReauthenticationResult.TwoFactorCodeRequired;
            }
            var valid = await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code)
                || (code.Length > 6 && (await users.RedeemTwoFactorRecoveryCodeAsync(user, twoFactorCode!.Trim())).Succeeded);
            if (!valid)
            {
                await users.AccessFailedAsync(user);
                return ReauthenticationResult.WrongTwoFactorCode;
            }
        }
        await users.ResetAccessFailedCountAsync(user);
        return ReauthenticationResult.Confirmed;
    }

    public async Task<ApplicationUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
    }

    /// <summary>Chat days: null = until deleted, 0 = never store; image and document days: null = until deleted.</summary>
    public async Task SetRetentionAsync(string userId, int? chatDays, int? imageDays, int? documentDays = null, CancellationToken cancellationToken = default)
    {
        if (chatDays is < 0 or > 36500 || imageDays is < 1 or > 36500 || documentDays is < 1 or > 36500)
        {
            throw new ArgumentOutOfRangeException(nameof(chatDays), "Retention must be between 0 and 36500 days for chats and 1 and 36500 days for images and documents.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        user.ChatRetentionDays = chatDays;
        user.ImageRetentionDays = imageDays;
        user.DocumentRetentionDays = documentDays;
        db.AuditEntries.Add(audit.Create(userId, userId, AuditActions.RetentionChanged,
            $"chats={chatDays?.ToString() ?? "forever"}, images={imageDays?.ToString() ?? "forever"}, documents={documentDays?.ToString() ?? "forever"}"));
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task SetRestrictionAsync(string userId, bool restricted, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        user.ProcessingRestricted = restricted;
        db.AuditEntries.Add(audit.Create(userId, userId, AuditActions.RestrictionChanged, restricted ? "restricted" : "lifted"));
        await db.SaveChangesAsync(cancellationToken);
        if (restricted)
        {
            // Every node drops the user's prompt caches, cached data key and session checks.
            await cluster.PublishAsync(Cluster.ClusterInvalidation.ForUser(userId), cancellationToken);
        }
    }

    /// <summary>The DPA of the organization the user acts for: one per organization, whoever of its owners accepted it.</summary>
    public async Task<DpaStatus> GetDpaStatusAsync(string userId, CancellationToken cancellationToken = default)
    {
        var party = await dpaParties.ForUserAsync(userId, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var latest = await db.DpaAcceptances.AsNoTracking().Where(d => d.OrganizationId == party.OrganizationId).OrderByDescending(d => d.Id).FirstOrDefaultAsync(cancellationToken);
        return new DpaStatus(options.Value.DpaVersion, latest) { Party = party };
    }

    /// <summary>
    /// Accepts the current DPA for the organization the user acts for. A personal organization names the company details
    /// entered; a company organization names its own contract data, and only an owner accepts, once per version.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The user is not an owner of the organization.</exception>
    public async Task<DpaAcceptance> AcceptDpaAsync(string userId, string companyName, string companyAddress, string? vatId, string? clientIp, CancellationToken cancellationToken = default)
    {
        var party = await dpaParties.ForUserAsync(userId, cancellationToken);
        if (!party.IsOwner)
        {
            throw new UnauthorizedAccessException("Only an owner of the organization accepts its data processing agreement.");
        }
        if (!party.IsPersonal)
        {
            (companyName, companyAddress, vatId) = (party.CompanyName, party.CompanyAddress, party.VatId);
        }
        if (string.IsNullOrWhiteSpace(companyName) || string.IsNullOrWhiteSpace(companyAddress))
        {
            throw new ArgumentException(party.IsPersonal ? "Company name and address are required." : "Enter the organization's address in its settings first.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!party.IsPersonal && await db.DpaAcceptances.AsNoTracking().Where(d => d.OrganizationId == party.OrganizationId && d.Version == options.Value.DpaVersion)
                .FirstOrDefaultAsync(cancellationToken) is { } accepted)
        {
            return accepted; // once for the whole organization
        }
        var acceptance = new DpaAcceptance
        {
            OrganizationId = party.OrganizationId,
            UserId = userId,
            Version = options.Value.DpaVersion,
            AcceptedAt = time.GetUtcNow(),
            IpHash = HashIp(clientIp),
            CompanyName = companyName.Trim(),
            CompanyAddress = companyAddress.Trim(),
            VatId = string.IsNullOrWhiteSpace(vatId) ? null : vatId.Trim(),
        };
        db.DpaAcceptances.Add(acceptance);
        db.AuditEntries.Add(audit.Create(userId, userId, AuditActions.DpaAccepted, $"version {acceptance.Version}"));
        if (!party.IsPersonal)
        {
            db.AuditEntries.Add(dpaParties.AcceptedAudit(userId, party.OrganizationId, acceptance.Version));
        }
        await db.SaveChangesAsync(cancellationToken);
        return acceptance;
    }

    /// <summary>HMAC-SHA256 with a random per-installation key: equal IPs give equal hashes, the IP cannot be recovered.</summary>
    private string HashIp(string? ip) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(IpHashKey(), Encoding.UTF8.GetBytes(ip ?? "unknown")));

    private byte[] IpHashKey()
    {
        lock (ipKeyLock)
        {
            if (ipKey is not null)
            {
                return ipKey;
            }
            var path = Path.Combine(paths.Keys, "ip-hash.key");
            if (!File.Exists(path))
            {
                File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(32));
            }
            return ipKey = File.ReadAllBytes(path);
        }
    }

    private readonly Lock ipKeyLock = new();
    private byte[]? ipKey;
}
