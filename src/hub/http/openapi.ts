// The OpenAPI 3.1 document, generated from the route table and its zod schemas (the ones that
// validate requests), so the published contract and the running code cannot drift apart.
import { z } from 'zod';
import * as api from '../../shared/hub-api.ts';
import { hubRoutes, routeNames, type RouteSpec } from '../../shared/hub-routes.ts';
import { idempotencyKeyLengthMax } from '../../shared/limits.ts';

type Io = 'input' | 'output';

function jsonSchema(schema: z.ZodType, io: Io): Record<string, unknown> {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
}

function json(schema: z.ZodType, io: Io) {
  return { 'application/json': { schema: jsonSchema(schema, io) } };
}

/** One parameter per property of an object schema (path or query), required unless optional. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (schema === undefined) return [];
  const object = jsonSchema(schema, 'input');
  const properties = (object['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((object['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

function operation(name: string, route: RouteSpec) {
  const parameters: unknown[] = [
    ...parametersOf(route.params, 'path'),
    ...parametersOf(route.query, 'query'),
  ];
  if (route.idempotency !== undefined) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: route.idempotency === 'required',
      schema: { type: 'string', minLength: 1, maxLength: idempotencyKeyLengthMax },
    });
  }
  return {
    operationId: name,
    summary: route.summary,
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(typeof route.access === 'string' ? {} : { 'x-roles': [...route.access] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body === undefined
      ? {}
      : { requestBody: { required: true, content: json(route.body, 'input') } }),
    responses: {
      [String(route.status)]: {
        description: 'success',
        ...(route.responseHeaders === undefined
          ? {}
          : { headers: responseHeaders(route.responseHeaders) }),
        ...(route.response === null ? {} : { content: json(route.response, 'output') }),
      },
      default: { description: 'error', content: json(api.errorSchema, 'output') },
    },
  };
}

/** OpenAPI's header objects for a route's extension headers (each optional, from a fixed set). */
function responseHeaders(headers: NonNullable<RouteSpec['responseHeaders']>) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, header]) => [
      name,
      {
        description: header.description,
        required: false,
        schema: { type: 'string', enum: [...header.values] },
      },
    ]),
  );
}

/** `/v1/holds/:id` (Fastify) -> `/v1/holds/{id}` (OpenAPI). */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const name of routeNames) {
    const route: RouteSpec = hubRoutes[name];
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(name, route) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'FacePay hub API', version: '1.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
