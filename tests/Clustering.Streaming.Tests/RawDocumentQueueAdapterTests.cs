using Clustering.Cluster.Streaming;

namespace Clustering.Streaming.Tests;

/// <summary>
/// How a queue message's text becomes events: one per non-empty line, each named by the message id the pipeline policy
/// put in front of the text and its line in the message as the producer wrote it.
/// </summary>
public sealed class RawDocumentQueueAdapterTests
{
    private static readonly RawDocumentQueueAdapter Adapter = new(StreamSource.Parse("azqueue://devstoreaccount1/docs"));

    [Fact]
    public void Each_line_is_an_event_named_by_the_message_id_and_its_line()
    {
        var batch = (DocumentBatch)Adapter.FromQueueMessage("#message-id=m-1\n{\"id\":\"a\"}\r\n\n{\"id\":\"b\"}\n", 7);

        Assert.Equal(["{\"id\":\"a\"}", "{\"id\":\"b\"}"], batch.Events.Select(e => e.Text));
        Assert.Equal(["azqueue://devstoreaccount1/docs message m-1 line 1", "azqueue://devstoreaccount1/docs message m-1 line 3"],
            batch.Events.Select(e => e.Position));
    }

    [Fact]
    public void A_message_marked_twice_gives_the_same_events_as_marked_once()
    {
        // Seen after a silo kill: a redelivered message arrived with two marker lines, and the second became an extra
        // (bad) event, so a stream job committed more events than were published.
        var once = (DocumentBatch)Adapter.FromQueueMessage("#message-id=m-2\n{\"id\":\"a\"}\n{\"id\":\"b\"}", 8);
        var twice = (DocumentBatch)Adapter.FromQueueMessage("#message-id=m-2\n#message-id=m-2\n{\"id\":\"a\"}\n{\"id\":\"b\"}", 9);

        Assert.Equal(once.Events, twice.Events);
        Assert.Equal(2, twice.Events.Length);
    }

    [Fact]
    public void A_message_without_a_marker_is_named_by_its_sequence_number()
    {
        var batch = (DocumentBatch)Adapter.FromQueueMessage("{\"id\":\"a\"}", 42);

        Assert.Equal("azqueue://devstoreaccount1/docs message #42 line 1", Assert.Single(batch.Events).Position);
    }
}
