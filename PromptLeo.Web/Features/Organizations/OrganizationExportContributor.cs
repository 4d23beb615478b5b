using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Organizations;

/// <summary>What one company organization holds about the exported user (docs/gdpr.md "Organizations: who keeps what").</summary>
public sealed record OrganizationHolding(
    Guid OrganizationId, string? Name, OrganizationRole? Role, DateTimeOffset? JoinedAt, long? MonthlyBudgetMicros,
    int UsageEvents, long UsageMicros, int AuditEntries, int InvitationsSent)
{
    /// <summary>Still a member, or a former one whose usage and audit entries the organization keeps as its records.</summary>
    public bool Member => Role is not null;
}

/// <summary>
/// Organizations in the Art. 15/20 export (<c>organizations.json</c>) and a section of the Art. 15 report: the user's
/// memberships (organization, role, joined, budget), the invitations they sent (with the address they typed: it is
/// data they provided themselves and already know, Art. 20(1); it reveals nothing new about the invitee, Art. 15(4)),
/// the invitations waiting for their address, and for each company organization, current or former, which records it
/// holds about them (usage amounts, audit entries of organization actions). The usage rows themselves are in
/// <c>usage-ledger.json</c> (Billing). The personal organization is part of the account and listed without amounts.
/// </summary>
public sealed class OrganizationExportContributor : IExportContributor
{
    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var userId = archive.UserId;
        var memberships = await (from m in db.OrganizationMembers.AsNoTracking()
                                 join o in db.Organizations.AsNoTracking() on m.OrganizationId equals o.Id
                                 where m.UserId == userId
                                 orderby m.JoinedAt
                                 select new { organizationId = o.Id, organization = o.PersonalOwnerId == null ? o.Name : null, personal = o.PersonalOwnerId != null, role = m.Role.ToString(), joinedAt = m.JoinedAt, monthlyBudgetEur = m.MonthlyBudgetMicros / 1_000_000m })
            .ToListAsync(cancellationToken);
        var sent = await (from i in db.OrganizationInvitations.AsNoTracking()
                          join o in db.Organizations.AsNoTracking() on i.OrganizationId equals o.Id
                          where i.InvitedBy == userId
                          orderby i.CreatedAt
                          select new { organization = o.Name, invitee = i.Email, role = i.Role.ToString(), i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.RevokedAt })
            .ToListAsync(cancellationToken);
        var email = await OrganizationErasureParticipant.EmailAsync(db, userId, cancellationToken);
        var received = await (from i in OrganizationErasureParticipant.InvitationsOf(db, email).AsNoTracking()
                              join o in db.Organizations.AsNoTracking() on i.OrganizationId equals o.Id
                              orderby i.CreatedAt
                              select new { organization = o.Name, role = i.Role.ToString(), i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.RevokedAt })
            .ToListAsync(cancellationToken);
        var holdings = await HoldingsAsync(db, userId, cancellationToken);
        await archive.WriteJsonAsync("organizations.json", w => JsonSerializer.Serialize(w, new
        {
            memberships,
            invitationsSent = sent,
            invitationsReceived = received,
            heldByOrganizations = holdings.Select(h => new
            {
                h.OrganizationId,
                organization = h.Name,
                member = h.Member,
                role = h.Role?.ToString(),
                h.JoinedAt,
                usageEvents = h.UsageEvents,
                usageEur = h.UsageMicros / 1_000_000m,
                auditEntries = h.AuditEntries,
                invitationsSent = h.InvitationsSent,
            }),
            note = "The organizations' owners and admins see your name, e-mail address, role and usage amounts (never content); Billing members see the amounts. "
                + "When you leave an organization you keep your account and all your content; the organization keeps its accounting records of your usage "
                + "(amount, model, time, key) and its audit entries, and no longer sees your name or e-mail address.",
        }));
        if (holdings.Count > 0)
        {
            archive.ReportSections.Add(ReportSection(holdings));
        }
        return new Dictionary<string, int>
        {
            ["organizationMemberships"] = memberships.Count(m => !m.personal),
            ["organizationInvitations"] = sent.Count + received.Count,
        };
    }

    /// <summary>Each company organization that holds something about the user: membership, usage, audit entries, invitations sent.</summary>
    public static async Task<IReadOnlyList<OrganizationHolding>> HoldingsAsync(AppDbContext db, string userId, CancellationToken cancellationToken)
    {
        var companies = db.Organizations.Where(o => o.PersonalOwnerId == null);
        var members = await db.OrganizationMembers.AsNoTracking().Where(m => m.UserId == userId && companies.Any(o => o.Id == m.OrganizationId))
            .Select(m => new { m.OrganizationId, m.Role, m.JoinedAt, m.MonthlyBudgetMicros }).ToListAsync(cancellationToken);
        var usage = await db.UsageEvents.AsNoTracking().Where(e => e.UserId == userId && companies.Any(o => o.Id == e.OrganizationId))
            .GroupBy(e => e.OrganizationId).Select(g => new { OrganizationId = g.Key, Count = g.Count(), Micros = g.Sum(e => e.AmountMicros) }).ToListAsync(cancellationToken);
        var audit = await db.AuditEntries.AsNoTracking().Where(a => a.OrganizationId != null && (a.ActorId == userId || a.SubjectId == userId))
            .GroupBy(a => a.OrganizationId!.Value).Select(g => new { OrganizationId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var invitations = await db.OrganizationInvitations.AsNoTracking().Where(i => i.InvitedBy == userId)
            .GroupBy(i => i.OrganizationId).Select(g => new { OrganizationId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var ids = members.Select(m => m.OrganizationId).Concat(usage.Select(u => u.OrganizationId)).Concat(audit.Select(a => a.OrganizationId)).Concat(invitations.Select(i => i.OrganizationId)).Distinct().ToList();
        var names = await companies.Where(o => ids.Contains(o.Id)).Select(o => new { o.Id, o.Name }).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
        // Audit entries of a personal organization are the account's own; only company organizations are listed.
        return ids.Where(names.ContainsKey).Select(id =>
        {
            var member = members.FirstOrDefault(m => m.OrganizationId == id);
            var used = usage.FirstOrDefault(u => u.OrganizationId == id);
            return new OrganizationHolding(id, names[id], member?.Role, member?.JoinedAt, member?.MonthlyBudgetMicros,
                used?.Count ?? 0, used?.Micros ?? 0, audit.FirstOrDefault(a => a.OrganizationId == id)?.Count ?? 0,
                invitations.FirstOrDefault(i => i.OrganizationId == id)?.Count ?? 0);
        }).OrderBy(h => h.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
    }

    /// <summary>The report's "Organizations" section: one row per organization, who in it sees what, what leaving means.</summary>
    public static AccessReportSection ReportSection(IReadOnlyList<OrganizationHolding> holdings) => new AccessReportSection("Organizations", "Organisationen", (pdf, t) =>
    {
        pdf.Table([t.T("Organization", "Organisation"), t.T("Your role", "Ihre Rolle"), t.T("Joined", "Beigetreten"), t.T("Usage events", "Nutzungsereignisse"), t.T("Usage amount", "Nutzungsbetrag"), t.T("Audit entries", "Audit-Einträge")],
            holdings.Select(h => (IReadOnlyList<string>)[h.Name ?? "—", RoleName(h.Role, t), h.JoinedAt is { } joined ? t.Date(joined) : "—", t.Number(h.UsageEvents), Euro(h.UsageMicros, t), t.Number(h.AuditEntries)]),
            [2.4, 1.4, 1.2, 1.2, 1.3, 1.1], [false, false, false, true, true, true]);
        pdf.Bullets([
            t.T("The owners and admins of an organization see your name, e-mail address, role and the amounts of your usage for it; members with the Billing role see the amounts. Nobody in an organization sees your conversations, images, presets or files.",
                "Inhaber und Administratoren einer Organisation sehen Ihren Namen, Ihre E-Mail-Adresse, Ihre Rolle und die Beträge Ihrer Nutzung für sie; Mitglieder mit der Rolle Abrechnung sehen die Beträge. Niemand in einer Organisation sieht Ihre Unterhaltungen, Bilder, Vorlagen oder Dateien."),
            t.T("When you leave an organization, you keep your account and all your content. The organization keeps its accounting records of your usage (amount, model, time, key; § 147 AO, § 257 HGB), its invoices and its audit entries of organization actions, and no longer sees your name or e-mail address.",
                "Wenn Sie eine Organisation verlassen, behalten Sie Ihr Konto und alle Ihre Inhalte. Die Organisation behält ihre Buchungsunterlagen über Ihre Nutzung (Betrag, Modell, Zeit, Schlüssel; § 147 AO, § 257 HGB), ihre Rechnungen und ihre Audit-Einträge zu Aktionen in der Organisation und sieht Ihren Namen und Ihre E-Mail-Adresse nicht mehr."),
        ]);
    })
    {
        Recipients = holdings.Any(h => h.Member) ? (Func<ReportText, string>)OrganizationRecipient.Text : null,
    };

    private static string RoleName(OrganizationRole? role, ReportText t) => role switch
    {
        OrganizationRole.Owner => t.T("Owner", "Inhaber"),
        OrganizationRole.Admin => t.T("Admin", "Administrator"),
        OrganizationRole.Member => t.T("Member", "Mitglied"),
        OrganizationRole.Billing => t.T("Billing", "Abrechnung"),
        _ => t.T("Former member", "Ehemaliges Mitglied"),
    };

    private static string Euro(long micros, ReportText t) => (micros / 1_000_000m).ToString("N2", t.Culture) + " €";
}
