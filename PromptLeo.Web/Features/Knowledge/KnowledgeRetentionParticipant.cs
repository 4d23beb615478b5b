using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>
/// Deletes knowledge documents older (from upload) than their owner's document retention: chunks with their texts and
/// vectors, the row and the encrypted original. The collections stay; their version rises, so every node's cached index
/// of them is stale, and this node drops the owner's indexes at once.
/// </summary>
public sealed class KnowledgeRetentionParticipant(EncryptedFileStore files, KnowledgeIndexCache indexes, ILogger<KnowledgeRetentionParticipant> logger) : IRetentionParticipant
{
    public async Task<IReadOnlyDictionary<string, int>> PurgeAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var documents = 0;
        var policies = await db.Users.Where(u => u.DocumentRetentionDays != null && u.DocumentRetentionDays > 0)
            .Select(u => new { u.Id, Days = u.DocumentRetentionDays!.Value }).ToListAsync(cancellationToken);
        foreach (var policy in policies)
        {
            var cutoff = now.AddDays(-policy.Days);
            var expired = await db.KnowledgeDocuments.Where(d => d.UserId == policy.Id && d.UploadedAt < cutoff)
                .Select(d => new { d.Id, d.CollectionId, d.StoredFileName }).ToListAsync(cancellationToken);
            if (expired.Count == 0)
            {
                continue;
            }
            var ids = expired.Select(d => d.Id).ToList();
            var collectionIds = expired.Select(d => d.CollectionId).Distinct().ToList();
            await db.KnowledgeChunks.Where(c => c.UserId == policy.Id && ids.Contains(c.DocumentId)).ExecuteDeleteAsync(cancellationToken);
            documents += await db.KnowledgeDocuments.Where(d => d.UserId == policy.Id && ids.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
            await db.KnowledgeCollections.Where(c => c.UserId == policy.Id && collectionIds.Contains(c.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Version, c => c.Version + 1), cancellationToken);
            foreach (var document in expired)
            {
                files.Delete(policy.Id, document.StoredFileName);
            }
            indexes.Forget(policy.Id);
            logger.LogInformation("Deleted {Documents} expired knowledge documents of {UserId}", expired.Count, policy.Id);
        }
        return new Dictionary<string, int> { ["knowledgeDocuments"] = documents };
    }
}
