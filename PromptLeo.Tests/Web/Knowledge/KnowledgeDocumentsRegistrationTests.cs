using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Knowledge.Documents;
using PromptLeo.Web.Features.Knowledge.Retrieval;

namespace PromptLeo.Tests.Web.Knowledge;

public class KnowledgeDocumentsRegistrationTests
{
    [Fact]
    public void AddKnowledgeDocuments_CalledTwice_ResolvesOneImplementationEach()
    {
        using var services = new ServiceCollection().AddKnowledgeDocuments().AddKnowledgeDocuments().BuildServiceProvider();

        Assert.IsType<DocumentExtractor>(services.GetRequiredService<IDocumentExtractor>());
        Assert.IsType<DocumentChunker>(services.GetRequiredService<IDocumentChunker>());
        Assert.IsType<KnowledgeIndexBuilder>(services.GetRequiredService<IKnowledgeIndexBuilder>());
        Assert.Single(services.GetServices<IDocumentExtractor>());
    }
}
