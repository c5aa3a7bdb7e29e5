import { runService } from '@grpc-ts/server-kit';
import { RouteChatStore } from './chat-store';
import { routeGuideEnv } from './config';
import { BUNDLED_SOURCE, loadFeatures } from './feature-file';
import { createRouteExecutor } from './route-executor';
import { buildRouteGuideServer } from './server';

void runService({
  name: 'route-guide',
  env: routeGuideEnv,
  build: (config, base) => {
    const started = performance.now();
    const features = loadFeatures(config.DATA || undefined);
    base.logger.info(
      {
        features: features.size,
        named: features.namedCount,
        source: config.DATA || BUNDLED_SOURCE,
        ms: Math.round(performance.now() - started),
      },
      'features loaded',
    );
    const chat = new RouteChatStore({
      maxNotesPerLocation: config.CHAT_MAX_NOTES_PER_LOCATION,
      maxLocations: config.CHAT_MAX_LOCATIONS,
      maxMessageBytes: config.CHAT_MAX_MESSAGE_BYTES,
    });
    const executor = createRouteExecutor({
      kind: config.EXECUTOR,
      size: config.EXECUTOR_SIZE,
      maxQueue: config.EXECUTOR_QUEUE,
      metrics: base.metrics,
    });
    base.logger.info({ executor: executor.kind, size: executor.stats().workers }, 'executor ready');
    return buildRouteGuideServer({
      features,
      chat,
      maxRoutePoints: config.ROUTE_MAX_POINTS,
      maxNoteBytes: config.CHAT_MAX_NOTE_BYTES,
      executor,
      ...base,
    });
  },
});
