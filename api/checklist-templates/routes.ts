/** Checklist templates of a property: immutable versions; saving a changed template adds the next version. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getTemplate, listTemplates, listTemplateVersions, putTemplate, type ChecklistTemplateRow } from '../../db/maintenance.js';
import type { EquipmentKind } from '../../domain/maintenance.js';
import { actorOf } from '../auth.js';
import { propertyParams } from '../common.js';
import { commonErrors, notFound } from '../errors.js';
import { propertyFor, requireMaintenanceWriter } from '../maintenance-access.js';
import { iso } from '../process-views.js';
import { checklistTemplate, putTemplateBody, templateParams, templatesQuery, templateVersionParams } from './schemas.js';

const present = (t: ChecklistTemplateRow): z.infer<typeof checklistTemplate> => ({
  ...t,
  equipmentKind: t.equipmentKind as EquipmentKind,
  createdAt: iso(t.createdAt.getTime()),
});

export const checklistTemplateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;
  const base = '/properties/:propertyId/checklist-templates';

  app.put(
    `${base}/:code`,
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Create a template (version 1) or save its next version; the same content again changes nothing',
        params: templateParams,
        body: putTemplateBody,
        response: { 200: checklistTemplate, 201: checklistTemplate, ...commonErrors },
      },
    },
    async (req, reply) => {
      const { propertyId, code } = req.params;
      await propertyFor(req, db, propertyId);
      await requireMaintenanceWriter(req, db, propertyId, 'change checklist templates');
      const { template, outcome } = await putTemplate(db, propertyId, code, req.body, actorOf(req));
      return reply
        .status(outcome === 'unchanged' ? 200 : 201)
        .header('location', `/v1${base.replace(':propertyId', propertyId)}/${code}/versions/${template.version}`)
        .send(present(template));
    },
  );

  app.get(
    base,
    {
      schema: {
        tags: ['maintenance'],
        summary: 'The latest version of every template at the property',
        params: propertyParams,
        querystring: templatesQuery,
        response: { 200: z.object({ items: z.array(checklistTemplate) }), ...commonErrors },
      },
    },
    async (req) => {
      await propertyFor(req, db, req.params.propertyId);
      return { items: (await listTemplates(db, req.params.propertyId, req.query.equipmentKind)).map(present) };
    },
  );

  app.get(
    `${base}/:code`,
    { schema: { tags: ['maintenance'], summary: 'The latest version of a template', params: templateParams, response: { 200: checklistTemplate, ...commonErrors } } },
    async (req) => {
      const { propertyId, code } = req.params;
      await propertyFor(req, db, propertyId);
      const row = await getTemplate(db, propertyId, code);
      if (!row) throw notFound(`checklist template ${code} at ${propertyId}`);
      return present(row);
    },
  );

  app.get(
    `${base}/:code/versions`,
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Every version of a template, newest first',
        params: templateParams,
        response: { 200: z.object({ items: z.array(checklistTemplate) }), ...commonErrors },
      },
    },
    async (req) => {
      const { propertyId, code } = req.params;
      await propertyFor(req, db, propertyId);
      const rows = await listTemplateVersions(db, propertyId, code);
      if (rows.length === 0) throw notFound(`checklist template ${code} at ${propertyId}`);
      return { items: rows.map(present) };
    },
  );

  app.get(
    `${base}/:code/versions/:version`,
    { schema: { tags: ['maintenance'], summary: 'One version of a template', params: templateVersionParams, response: { 200: checklistTemplate, ...commonErrors } } },
    async (req) => {
      const { propertyId, code, version } = req.params;
      await propertyFor(req, db, propertyId);
      const row = await getTemplate(db, propertyId, code, version);
      if (!row) throw notFound(`version ${version} of checklist template ${code} at ${propertyId}`);
      return present(row);
    },
  );
};
