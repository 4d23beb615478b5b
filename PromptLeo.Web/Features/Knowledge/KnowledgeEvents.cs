namespace PromptLeo.Web.Features.Knowledge;

/// <summary>Where the service and the ingestion worker announce document changes (the event of <see cref="IKnowledgeService"/>).</summary>
public sealed class KnowledgeEvents(ILogger<KnowledgeEvents> logger)
{
    public event Action<string, KnowledgeDocumentSummary>? DocumentChanged;

    public void Raise(string userId, KnowledgeDocumentSummary document)
    {
        var handlers = DocumentChanged;
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<Action<string, KnowledgeDocumentSummary>>())
        {
            try
            {
                handler(userId, document);
            }
            catch (Exception ex)
            {
                // A page that broke while updating must not stop the ingestion or other pages.
                logger.LogWarning(ex, "A listener failed on the change of document {DocumentId}", document.Id);
            }
        }
    }
}
