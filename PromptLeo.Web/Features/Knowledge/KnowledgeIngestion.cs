using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Embeddings;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Web.Features.Knowledge;

/// <summary>
/// Reads, chunks and embeds uploaded documents one at a time in the background. At start-up it resumes what was queued
/// or running when the process stopped; a lease per document makes sure only one portal node works on it. A document
/// that cannot be read ends as Failed with an error code; its original file stays stored, and the app keeps running.
/// </summary>
public sealed class KnowledgeIngestion(
    IDbContextFactory<AppDbContext> dbFactory,
    EncryptedFileStore files,
    KnowledgeChunkCodec codec,
    IDocumentExtractor extractor,
    IDocumentChunker chunker,
    MeteredEmbeddings embeddings,
    ClusterLeases leases,
    KnowledgeEvents events,
    IOptions<KnowledgeOptions> options,
    ILogger<KnowledgeIngestion> logger) : BackgroundService
{
    /// <summary>Chunks embedded per metered request: progress advances per batch.</summary>
    private const int BatchSize = 16;

    private readonly Channel<Guid> queue = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(Guid documentId) => queue.Writer.TryWrite(documentId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken))
            {
                var unfinished = await db.KnowledgeDocuments
                    .Where(d => d.Status == KnowledgeDocumentState.Queued || d.Status == KnowledgeDocumentState.Processing)
                    .OrderBy(d => d.UploadedAt).Select(d => d.Id).ToListAsync(stoppingToken);
                foreach (var id in unfinished)
                {
                    Enqueue(id);
                }
                if (unfinished.Count > 0)
                {
                    logger.LogInformation("Resuming {Count} knowledge documents", unfinished.Count);
                }
            }
            await foreach (var id in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    if (!await leases.RunExclusiveAsync($"knowledge-document:{id}", ClusterLeases.DefaultDuration, token => IngestAsync(id, token), stoppingToken))
                    {
                        logger.LogInformation("Knowledge document {DocumentId} is being processed by another node", id);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    // Shutting down: the document stays Processing and is resumed at the next start.
                    return;
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Knowledge document {DocumentId} could not be processed", id);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Processes one document; every failure ends in Failed with a code, except shutdown and a gone account.</summary>
    internal async Task IngestAsync(Guid documentId, CancellationToken cancellationToken)
    {
        KnowledgeDocument? document;
        string? modelId;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            document = await db.KnowledgeDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.Id == documentId, cancellationToken);
            if (document is null || document.Status is KnowledgeDocumentState.Ready or KnowledgeDocumentState.Failed)
            {
                return;
            }
            var ownerId = document.UserId;
            var collectionId = document.CollectionId;
            modelId = await db.KnowledgeCollections.Where(c => c.Id == collectionId && c.UserId == ownerId).Select(c => c.EmbeddingModelId).FirstOrDefaultAsync(cancellationToken);
            if (modelId is null)
            {
                return;
            }
        }
        var userId = document.UserId;
        string fileName;
        try
        {
            fileName = await codec.FileNameAsync(userId, document, cancellationToken);
        }
        catch (ContentUnavailableException)
        {
            // The account is being erased: its rows go with it.
            return;
        }
        var progress = new Progress(dbFactory, events, document, fileName);
        try
        {
            await progress.ReportAsync(KnowledgeDocumentStatus.Processing, 5, cancellationToken);
            var content = await files.ReadAsync(userId, document.StoredFileName, ContentPurpose.KnowledgeFile, cancellationToken)
                ?? throw new KnowledgeException("corrupt", "The stored file is missing.");
            var extracted = await Task.Run(() => extractor.Extract(fileName, new MemoryStream(content, writable: false)), cancellationToken);
            if (extracted.PageCount > options.Value.MaxPages)
            {
                throw new KnowledgeException("too_large", $"The document has more than {options.Value.MaxPages} pages.");
            }
            var drafts = chunker.Chunk(extracted);
            if (drafts.Count == 0 || drafts.All(d => string.IsNullOrWhiteSpace(d.Text)))
            {
                throw new KnowledgeException("no_text", "The document contains no text that could be read.");
            }
            progress.PageCount = extracted.PageCount;
            await progress.ReportAsync(KnowledgeDocumentStatus.Processing, 10, cancellationToken);

            var chunks = new List<KnowledgeChunk>(drafts.Count);
            for (var start = 0; start < drafts.Count; start += BatchSize)
            {
                var batch = drafts.Skip(start).Take(BatchSize).ToList();
                var result = await embeddings.EmbedAsync(new InferencePrincipal(userId, document.ApiKeyId), modelId, [.. batch.Select(d => d.Text)], null, null, cancellationToken);
                for (var i = 0; i < batch.Count; i++)
                {
                    chunks.Add(await codec.EncryptAsync(userId, document.Id, document.CollectionId, batch[i], result.Vectors[i], cancellationToken));
                }
                await progress.ReportAsync(KnowledgeDocumentStatus.Processing, 10 + 85 * chunks.Count / drafts.Count, cancellationToken);
            }
            await StoreAsync(document, chunks, extracted.PageCount, cancellationToken);
            progress.ChunkCount = chunks.Count;
            progress.Raise(KnowledgeDocumentStatus.Ready, 100);
            logger.LogInformation("Knowledge document {DocumentId} is ready with {Chunks} chunks", document.Id, chunks.Count);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ContentUnavailableException)
        {
            return;
        }
        catch (Exception ex) when (FailureCode(ex) is { } code)
        {
            logger.LogInformation("Knowledge document {DocumentId} failed: {ErrorCode}", document.Id, code);
            await progress.FailAsync(code);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Knowledge document {DocumentId} failed unexpectedly", document.Id);
            await progress.FailAsync("failed");
        }
    }

    /// <summary>The error code of a failure the user can understand; null for a fault of the platform.</summary>
    private static string? FailureCode(Exception ex) => ex switch
    {
        KnowledgeException k => k.Code,
        BudgetExceededException => "budget_exceeded",
        ProcessingRestrictedException => "restricted",
        EmbeddingRequestException => "too_large",
        ModelNotFoundException or ModelDisabledException or ModelLoadException => "model_unavailable",
        _ => null,
    };

    /// <summary>Chunks and the Ready state in one transaction; a document deleted meanwhile stays deleted.</summary>
    private async Task StoreAsync(KnowledgeDocument document, List<KnowledgeChunk> chunks, int? pageCount, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var updated = await db.KnowledgeDocuments.Where(d => d.Id == document.Id && d.UserId == document.UserId && d.Status == KnowledgeDocumentState.Processing)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, KnowledgeDocumentState.Ready)
                .SetProperty(d => d.Progress, 100)
                .SetProperty(d => d.PageCount, pageCount)
                .SetProperty(d => d.ChunkCount, chunks.Count)
                .SetProperty(d => d.ErrorCode, (string?)null), cancellationToken);
        if (updated == 0)
        {
            return;
        }
        // A resumed document may have chunks of an interrupted earlier run.
        await db.KnowledgeChunks.Where(c => c.DocumentId == document.Id).ExecuteDeleteAsync(cancellationToken);
        db.KnowledgeChunks.AddRange(chunks);
        await db.SaveChangesAsync(cancellationToken);
        await db.KnowledgeCollections.Where(c => c.Id == document.CollectionId && c.UserId == document.UserId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Version, c => c.Version + 1), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Writes a document's state and tells the listeners.</summary>
    private sealed class Progress(IDbContextFactory<AppDbContext> dbFactory, KnowledgeEvents events, KnowledgeDocument document, string fileName)
    {
        public int? PageCount { get; set; }

        public int ChunkCount { get; set; }

        public async Task ReportAsync(KnowledgeDocumentStatus status, int progress, CancellationToken cancellationToken)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.KnowledgeDocuments.Where(d => d.Id == document.Id && d.UserId == document.UserId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, (KnowledgeDocumentState)status).SetProperty(d => d.Progress, progress).SetProperty(d => d.PageCount, PageCount), cancellationToken);
            Raise(status, progress);
        }

        public async Task FailAsync(string code)
        {
            // Recorded even when the request that failed was cancelled: the state must not stay Processing.
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.KnowledgeDocuments.Where(d => d.Id == document.Id && d.UserId == document.UserId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, KnowledgeDocumentState.Failed).SetProperty(d => d.Progress, 0).SetProperty(d => d.ErrorCode, code));
            Raise(KnowledgeDocumentStatus.Failed, 0, code);
        }

        public void Raise(KnowledgeDocumentStatus status, int progress, string? errorCode = null) =>
            events.Raise(document.UserId, new KnowledgeDocumentSummary(document.Id, document.CollectionId, fileName, document.Bytes, status, progress,
                PageCount, ChunkCount, errorCode, document.UploadedAt));
    }
}
