using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Storage;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// Art. 17 erasure with crypto-shredding, as a resumable job. Features with personal data take part through
/// <see cref="IErasureParticipant"/>; this class knows only the account, exports, the contract evidence and the retained records.
/// 1. <see cref="ErasureStage.Locked"/>: in one transaction the account is locked, its sessions invalidated (new
///    security stamp) and the job row written; from here on nobody can sign in or run inference with it.
/// 2. <see cref="ErasureStage.ContentErased"/>: files, content rows and the data key are deleted; retained records
///    (processing records, audit entries, usage and invoices) are pseudonymized.
/// 3. <see cref="ErasureStage.Completed"/>: DPA acceptances and the privacy notice version move to the unlinked
///    <see cref="ContractEvidenceArchive"/>, the account row goes, the e-mail address is free again, the certificate
///    (Löschprotokoll) is stored for its download window.
/// Every step is idempotent, so <see cref="ErasureResumeService"/> finishes an interrupted job at the next start.
/// </summary>
public sealed class AccountEraser(
    IDbContextFactory<AppDbContext> dbFactory,
    UserContentCipher cipher,
    EncryptedFileStore files,
    ExportFiles exportFiles,
    DeletionCertificateWriter certificates,
    ContractEvidenceArchive evidenceArchive,
    ErasureLedger ledger,
    ClusterLeases leases,
    AuditLog audit,
    IOptions<PrivacyOptions> options,
    IServiceProvider services,
    Cluster.IClusterBus cluster,
    TimeProvider time,
    ILogger<AccountEraser> logger)
{
    /// <summary>Every erasure pseudonym starts with it, so retained rows of erased accounts can be found by their owner column.</summary>
    public const string PseudonymPrefix = "erased-";

    /// <summary>Extra retained-record pseudonymizers (e.g. usage ledger, invoices) registered by other features.</summary>
    private IEnumerable<IErasureParticipant> Participants => services.GetServices<IErasureParticipant>();

    /// <summary>Runs the whole erasure the user asked for; returns the certificate.</summary>
    /// <exception cref="ErasureBlockedException">A feature reports an obstacle (<see cref="ObstaclesAsync(string, CancellationToken)"/>); nothing was changed.</exception>
    public async Task<ErasureResult> EraseAsync(string userId, string actorId, CancellationToken cancellationToken = default)
    {
        var job = await BeginAsync(userId, actorId, cancellationToken, checkObstacles: true);
        return await ContinueAsync(job.Id, cancellationToken);
    }

    /// <summary>Erases an account the erasure ledger lists again (restored backup): that erasure was already decided, so no obstacle can stop it.</summary>
    internal async Task<ErasureResult> EraseAgainAsync(string userId, CancellationToken cancellationToken)
    {
        var job = await BeginAsync(userId, AuditActions.System, cancellationToken);
        return await ContinueAsync(job.Id, cancellationToken);
    }

    /// <summary>What the features say must happen before the account can be erased; empty when nothing stands in the way.</summary>
    public async Task<IReadOnlyList<ErasureObstacle>> ObstaclesAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ObstaclesAsync(db, userId, cancellationToken);
    }

    private async Task<IReadOnlyList<ErasureObstacle>> ObstaclesAsync(AppDbContext db, string userId, CancellationToken cancellationToken)
    {
        var obstacles = new List<ErasureObstacle>();
        foreach (var participant in Participants)
        {
            obstacles.AddRange(await participant.ObstaclesAsync(db, userId, cancellationToken));
        }
        return obstacles;
    }

    // Check-then-insert of the job must not interleave (double submit): in this node this lock, across nodes the account's row lock.
    private readonly SemaphoreSlim beginLock = new(1, 1);

    /// <summary>The lease under which one node runs a job's stages.</summary>
    public static string LeaseName(Guid jobId) => $"erasure:{jobId}";

    /// <summary>Stage 1: lock the account and record the job. Returns the existing job if one is under way.</summary>
    internal async Task<ErasureJob> BeginAsync(string userId, string actorId, CancellationToken cancellationToken, bool checkObstacles = false)
    {
        await beginLock.WaitAsync(cancellationToken);
        try
        {
            return await BeginLockedAsync(userId, actorId, checkObstacles, cancellationToken);
        }
        finally
        {
            beginLock.Release();
        }
    }

    private async Task<ErasureJob> BeginLockedAsync(string userId, string actorId, bool checkObstacles, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.LockUserAsync(db, userId, cancellationToken);
        var existing = await db.ErasureJobs.FirstOrDefaultAsync(j => j.UserId == userId && j.Stage != ErasureStage.Completed, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, cancellationToken)
            ?? throw new InvalidOperationException("The account does not exist.");
        // Checked before the lock-out: a refused erasure leaves the account exactly as it was.
        if (checkObstacles && await ObstaclesAsync(db, userId, cancellationToken) is { Count: > 0 } obstacles)
        {
            throw new ErasureBlockedException(obstacles);
        }
        var counts = await CountAsync(db, userId, cancellationToken);
        var job = new ErasureJob
        {
            UserId = userId,
            Pseudonym = PseudonymPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            Stage = ErasureStage.Locked,
            RequestedAt = time.GetUtcNow(),
            CountsJson = JsonSerializer.Serialize(counts),
            Language = user.PreferredLanguage == "de" ? "de" : "en",
        };
        user.LockoutEnabled = true;
        user.LockoutEnd = DateTimeOffset.MaxValue;
        user.DisabledAt = time.GetUtcNow(); // API keys stop at once, not only after stage 2 deletes them
        user.ProcessingRestricted = true;
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        db.ErasureJobs.Add(job);
        db.AuditEntries.Add(audit.Create(actorId == userId ? job.Pseudonym : actorId, job.Pseudonym, AuditActions.ErasureRequested, $"job {job.Id}"));
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        logger.LogInformation("Erasure {JobId} started", job.Id);
        return job;
    }

    /// <summary>Runs the remaining stages of a job; <paramref name="resumed"/> jobs mail their certificate.</summary>
    /// <exception cref="ErasureInProgressException">Another run of the job (on any node) holds its lease.</exception>
    public async Task<ErasureResult> ContinueAsync(Guid jobId, CancellationToken cancellationToken = default, bool resumed = false)
    {
        // One run per job in the cluster; a node that dies mid-job lets its lease expire, and the resume service takes over.
        await using var lease = await leases.TryAcquireAsync(LeaseName(jobId), ClusterLeases.DefaultDuration, cancellationToken)
            ?? throw new ErasureInProgressException(jobId);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        return await ContinueLeasedAsync(jobId, resumed, linked.Token);
    }

    private async Task<ErasureResult> ContinueLeasedAsync(Guid jobId, bool resumed, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var job = await db.ErasureJobs.FirstAsync(j => j.Id == jobId, cancellationToken);
        if (job.Stage == ErasureStage.Locked)
        {
            await EraseContentAsync(job, cancellationToken);
        }
        if (job.Stage == ErasureStage.ContentErased)
        {
            return await CompleteAsync(job, cancellationToken, resumed);
        }
        throw new InvalidOperationException("This erasure is already complete.");
    }

    /// <summary>Stage 2: files, content, key; pseudonymize what must be retained.</summary>
    internal async Task EraseContentAsync(ErasureJob job, CancellationToken cancellationToken)
    {
        var userId = job.UserId;
        // Recorded before anything is deleted, so a restored backup can never hold an erasure the ledger lacks.
        await ledger.RecordAsync(userId, cancellationToken);
        foreach (var participant in Participants)
        {
            try
            {
                await participant.BeforeEraseAsync(userId, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Preparation (e.g. the final invoice) must never keep an account from being erased.
                logger.LogError(ex, "Erasure {JobId}: a participant's preparation failed; erasure goes on", job.Id);
            }
        }
        files.DeleteAll(userId);
        exportFiles.DeleteAll(userId);
        await cipher.ShredKeyAsync(userId, cancellationToken);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.DataExports.Where(e => e.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await PseudonymizeRetainedAsync(db, userId, job.Pseudonym, cancellationToken);
        await db.ErasureJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Stage, ErasureStage.ContentErased), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        job.Stage = ErasureStage.ContentErased;
    }

    /// <summary>Processing records and audit entries get the pseudonym; the participants delete or pseudonymize their rows.</summary>
    private async Task PseudonymizeRetainedAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        await db.ProcessingRecords.Where(r => r.SubjectId == userId).ExecuteUpdateAsync(s => s.SetProperty(r => r.SubjectId, pseudonym), cancellationToken);
        await db.AuditEntries.Where(a => a.SubjectId == userId).ExecuteUpdateAsync(s => s.SetProperty(a => a.SubjectId, pseudonym), cancellationToken);
        await db.AuditEntries.Where(a => a.ActorId == userId).ExecuteUpdateAsync(s => s.SetProperty(a => a.ActorId, pseudonym), cancellationToken);
        foreach (var participant in Participants)
        {
            await participant.EraseAsync(db, userId, pseudonym, cancellationToken);
        }
    }

    /// <summary>Stage 3: the account row, leftover mail copies, the certificate.</summary>
    internal async Task<ErasureResult> CompleteAsync(ErasureJob job, CancellationToken cancellationToken, bool resumed = false)
    {
        // A request that was already running when the account was locked may have written since stage 2
        // (an API call's usage event and record, a file): sweep once more before the account row goes.
        await ledger.RecordAsync(job.UserId, cancellationToken); // no-op unless stage 2 ran before the ledger existed
        files.DeleteAll(job.UserId);
        exportFiles.DeleteAll(job.UserId);
        await cipher.ShredKeyAsync(job.UserId, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var email = await db.Users.Where(u => u.Id == job.UserId).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);
        if (email is not null)
        {
            DeleteMailCopies(email);
        }
        var now = time.GetUtcNow();
        var counts = JsonSerializer.Deserialize<Dictionary<string, int>>(job.CountsJson) ?? [];
        var retained = new List<RetainedCategory>();
        foreach (var participant in Participants)
        {
            retained.AddRange(await participant.RetainedAsync(db, job.UserId, now, cancellationToken));
        }
        var evidence = await evidenceArchive.CollectAsync(db, job.UserId, now, cancellationToken);
        var certificate = certificates.Write(job, counts, retained, now, evidence);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');

        if (resumed && email is not null)
        {
            // Nobody is waiting at the confirmation page of an erasure finished after a restart: mail the
            // certificate while the address still exists.
            try
            {
                await MailCertificateAsync(email, job.Language, certificate, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Best effort: a rejected mailbox must not keep the address (and account) alive.
                logger.LogWarning(ex, "Erasure {JobId}: the certificate could not be mailed", job.Id);
            }
        }

        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await PseudonymizeRetainedAsync(db, job.UserId, job.Pseudonym, cancellationToken);
        foreach (var participant in Participants)
        {
            await participant.ArchiveAsync(db, job.UserId, cancellationToken);
        }
        await evidenceArchive.ArchiveAsync(db, job.UserId, job.Pseudonym, evidence, cancellationToken);
        // Identity's own rows (logins, tokens, claims, roles) cascade with the user row.
        await db.Users.Where(u => u.Id == job.UserId).ExecuteDeleteAsync(cancellationToken);
        await db.ErasureJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Stage, ErasureStage.Completed)
            .SetProperty(j => j.CompletedAt, now)
            .SetProperty(j => j.UserId, job.Pseudonym)
            .SetProperty(j => j.Certificate, CertificateSeal.Seal(CertificateSeal.Bundle(certificate, retained.Select(r => r.Document).OfType<ErasureDocument>()), token))
            .SetProperty(j => j.CertificateTokenHash, HashToken(token))
            .SetProperty(j => j.CertificateExpiresAt, now.AddHours(options.Value.ExportLinkHours)), cancellationToken);
        db.AuditEntries.Add(audit.Create(AuditActions.System, job.Pseudonym, AuditActions.ErasureCompleted, CountsText(counts)));
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        job.Stage = ErasureStage.Completed;
        // The account and its sessions are gone now: every node drops what it still caches of them.
        cipher.Forget(job.UserId);
        await cluster.PublishAsync(Cluster.ClusterInvalidation.ForUser(job.UserId), cancellationToken);

        await SqliteHygiene.CheckpointAsync(db, cancellationToken);
        logger.LogInformation("Erasure {JobId} completed", job.Id);
        return new ErasureResult(job.Id, token, certificate);
    }

    /// <summary>The certificate for a valid token within its window, else null.</summary>
    public async Task<byte[]?> GetCertificateAsync(Guid jobId, string token, CancellationToken cancellationToken = default) =>
        (await GetDocumentsAsync(jobId, token, cancellationToken))?.GetValueOrDefault(CertificateSeal.CertificateName);

    /// <summary>The certificate and the documents that came with it (the final invoice), for a valid token within its window; else null.</summary>
    public async Task<Dictionary<string, byte[]>?> GetDocumentsAsync(Guid jobId, string token, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var job = await db.ErasureJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, cancellationToken);
        if (job?.Certificate is null || job.CertificateExpiresAt < time.GetUtcNow() || string.IsNullOrEmpty(token)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashToken(token)), Encoding.ASCII.GetBytes(job.CertificateTokenHash)))
        {
            return null;
        }
        return CertificateSeal.Open(job.Certificate, token) is { } bundle ? CertificateSeal.Unbundle(bundle) : null;
    }

    /// <summary>Jobs interrupted by a crash or restart.</summary>
    internal async Task<List<Guid>> PendingJobsAsync(DateTimeOffset requestedBefore, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ErasureJobs.Where(j => j.Stage != ErasureStage.Completed && j.RequestedAt < requestedBefore).Select(j => j.Id).ToListAsync(cancellationToken);
    }

    private async Task MailCertificateAsync(string email, string language, byte[] certificate, CancellationToken cancellationToken)
    {
        if (services.GetService<IMailTransport>() is not { } transport)
        {
            return;
        }
        var from = services.GetRequiredService<IOptions<EmailOptions>>().Value;
        var german = language == "de";
        var subject = german ? "Ihr Konto wurde gelöscht – Löschprotokoll" : "Your account has been deleted – deletion certificate";
        var body = new MimeKit.BodyBuilder
        {
            TextBody = german
                ? "Ihre Kontolöschung wurde nach einem Neustart abgeschlossen. Das Löschprotokoll liegt bei. Ihre E-Mail-Adresse wird jetzt gelöscht."
                : "Your account erasure was completed after a restart. The deletion certificate is attached. Your e-mail address is deleted now.",
        };
        body.Attachments.Add("loeschprotokoll.pdf", certificate, new MimeKit.ContentType("application", "pdf"));
        await transport.SendAsync(MailMessages.Compose(from, email, subject, body.ToMessageBody()), cancellationToken);
    }

    private async Task<Dictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>
        {
            ["profile"] = 1,
            ["exports"] = await db.DataExports.CountAsync(e => e.UserId == userId, cancellationToken),
            ["logins"] = await db.UserLogins.CountAsync(l => l.UserId == userId, cancellationToken) + await db.UserTokens.CountAsync(t => t.UserId == userId, cancellationToken),
        };
        foreach (var participant in Participants)
        {
            foreach (var (category, count) in await participant.CountAsync(db, userId, cancellationToken))
            {
                counts[category] = count;
            }
        }
        return counts;
    }

    private static string CountsText(Dictionary<string, int> counts) => string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"));

    private static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The development pickup folder keeps copies of sent mail; those addressed to the user go too.</summary>
    private void DeleteMailCopies(string email)
    {
        var pickup = services.GetService<IMailTransport>() as PickupFolderMailTransport;
        if (pickup is null || !Directory.Exists(pickup.Directory))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(pickup.Directory, "*.eml"))
        {
            using (var reader = new StreamReader(file))
            {
                var headerMatch = false;
                string? line;
                while (!string.IsNullOrEmpty(line = reader.ReadLine()))
                {
                    if (line.StartsWith("To:", StringComparison.OrdinalIgnoreCase) && line.Contains(email, StringComparison.OrdinalIgnoreCase))
                    {
                        headerMatch = true;
                        break;
                    }
                }
                if (!headerMatch)
                {
                    continue;
                }
            }
            File.Delete(file);
        }
    }
}
