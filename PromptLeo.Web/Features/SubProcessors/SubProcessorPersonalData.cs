using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.SubProcessors;

/// <summary>The user's objections and sub-processor notices in the Art. 15/20 export.</summary>
public sealed class SubProcessorExportContributor : IExportContributor
{
    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var objections = await db.SubProcessorObjections.AsNoTracking().Where(o => o.UserId == archive.UserId).OrderBy(o => o.At)
            .Select(o => new { o.ChangeId, o.At, o.Reason }).ToListAsync(cancellationToken);
        var notices = await db.SubProcessorNotices.AsNoTracking().Where(n => n.UserId == archive.UserId).OrderBy(n => n.Id)
            .Select(n => new { n.ChangeId, n.MailedAt, n.DismissedAt }).ToListAsync(cancellationToken);
        await archive.WriteJsonAsync("subprocessor-changes.json", writer => JsonSerializer.Serialize(writer, new { objections, notices }));
        return new Dictionary<string, int> { ["subprocessor-objections"] = objections.Count, ["subprocessor-notices"] = notices.Count };
    }
}

/// <summary>
/// Notices and objections go with the account. The audit log keeps, under the erasure pseudonym, that an objection to
/// which change was made; the objection row with its free-text reason does not outlive the account.
/// </summary>
public sealed class SubProcessorErasureParticipant : IErasureParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> CountAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        new Dictionary<string, int>
        {
            ["subprocessor-objections"] = await db.SubProcessorObjections.CountAsync(o => o.UserId == userId, cancellationToken),
            ["subprocessor-notices"] = await db.SubProcessorNotices.CountAsync(n => n.UserId == userId, cancellationToken),
        };

    public async Task EraseAsync(AppDbContext db, string userId, string pseudonym, CancellationToken cancellationToken)
    {
        await db.SubProcessorNotices.Where(n => n.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await db.SubProcessorObjections.Where(o => o.UserId == userId).ExecuteDeleteAsync(cancellationToken);
    }
}
