using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>What one erasure keeps as contract evidence, under its own reference; <see cref="Items"/> is empty when there is none.</summary>
public sealed record ContractEvidenceSet(string Reference, IReadOnlyList<ContractEvidence> Items, DateTimeOffset RetainedUntil);

/// <summary>
/// The contract evidence archive. At erasure an account's DPA acceptances whose contract ends with it (the contracting
/// party, version, day, IP hash) and the privacy notice version it registered with move here under a random reference of their own: not the erasure
/// pseudonym, no user id, no invoice number, and only the day of an acceptance, so nothing in it joins the pseudonymized
/// usage, records or audit entries, nor the invoice archive. Kept until contractual claims are time-barred
/// (<see cref="PrivacyOptions.ContractEvidenceRetentionYears"/>, §§ 195, 199 BGB), then deleted by the retention purge.
/// </summary>
public sealed class ContractEvidenceArchive(IOptions<PrivacyOptions> privacy) : IRetentionParticipant
{
    public const string LegalSource = "§§ 195, 199 Abs. 1 BGB";

    /// <summary>Reads what the erasure will keep, for the certificate; writes nothing.</summary>
    public async Task<ContractEvidenceSet> CollectAsync(AppDbContext db, string userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The contract ends with the erasure; its claims become time-barred at the end of that year + N (§ 199 Abs. 1 BGB).
        var until = PrivacyOptions.RetainedUntil(now, privacy.Value.ContractEvidenceRetentionYears);
        var reference = "evidence-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var acceptances = await Ended(db, userId).AsNoTracking().OrderBy(d => d.Id).ToListAsync(cancellationToken);
        var items = acceptances.Select(d => new ContractEvidence
        {
            Reference = reference,
            Kind = ContractEvidenceKinds.DpaAcceptance,
            Version = d.Version,
            AcceptedOn = DateOnly.FromDateTime(d.AcceptedAt.UtcDateTime),
            CompanyName = d.CompanyName,
            CompanyAddress = d.CompanyAddress,
            VatId = d.VatId,
            IpHash = d.IpHash,
            RetainedUntil = until,
        }).ToList();
        var notice = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.PrivacyNoticeVersion).FirstOrDefaultAsync(cancellationToken);
        if (!string.IsNullOrEmpty(notice))
        {
            // The version alone: the registration day would match the first pseudonymized usage.
            items.Add(new ContractEvidence { Reference = reference, Kind = ContractEvidenceKinds.PrivacyNotice, Version = notice, RetainedUntil = until });
        }
        return new ContractEvidenceSet(reference, items, until);
    }

    /// <summary>
    /// In the erasure's last transaction, before the account row goes: writes the evidence and removes the ended
    /// acceptances and the account's audit entries of them (by version and time they would point from the pseudonymized
    /// trail to the company). A company organization that goes on keeps its acceptances without the person: no user id
    /// (not even the pseudonym, which keys the usage rows) and no IP hash (the person's address, not the company's).
    /// Runs once per erasure: a retried or replayed erasure finds no acceptance left, or rolls back with the account row.
    /// </summary>
    public async Task ArchiveAsync(AppDbContext db, string userId, string pseudonym, ContractEvidenceSet evidence, CancellationToken cancellationToken)
    {
        db.ContractEvidence.AddRange(evidence.Items);
        await db.SaveChangesAsync(cancellationToken);
        await Ended(db, userId).ExecuteDeleteAsync(cancellationToken);
        await db.DpaAcceptances.Where(d => d.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(d => d.UserId, (string?)null).SetProperty(d => d.IpHash, ""), cancellationToken);
        await db.AuditEntries.Where(a => a.Action == AuditActions.DpaAccepted && (a.SubjectId == pseudonym || a.SubjectId == userId)).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>
    /// Acceptances whose contract ends with this erasure: the account's own, unless a company organization that outlives it
    /// holds them, and those of company organizations that ended with it (their last member), whoever accepted them.
    /// The erasure's content stage has already deleted the personal organization and every organization left empty.
    /// </summary>
    private static IQueryable<DpaAcceptance> Ended(AppDbContext db, string userId) =>
        db.DpaAcceptances.Where(d => (d.UserId == userId && !db.Organizations.Any(o => o.Id == d.OrganizationId && o.PersonalOwnerId == null))
            || (d.UserId == null && !db.Organizations.Any(o => o.Id == d.OrganizationId)));

    public async Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // RetainedUntil is the last day (31 Dec, 00:00 UTC); the row goes once that day is over.
        var lastDayOver = now.AddDays(-1);
        var purged = await db.ContractEvidence.Where(e => e.RetainedUntil < lastDayOver).ExecuteDeleteAsync(cancellationToken);
        return new Dictionary<string, int> { ["contractEvidence"] = purged };
    }
}
