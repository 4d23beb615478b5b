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
/// Notices go with the account. Objections stay as the processor's evidence that the controller objected, under the
/// erasure pseudonym and without the free-text reason.
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
        await db.SubProcessorObjections.Where(o => o.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.UserId, pseudonym).SetProperty(o => o.Reason, (string?)null), cancellationToken);
    }
}
