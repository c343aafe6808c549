/** The contact of whoever raised a process: written before its workflow starts, read by staff views and the SMS channel. */
import { eq } from 'drizzle-orm';
import type { Db } from './index.js';
import { processContacts } from './schema/index.js';

export interface Contact {
  name: string;
  phone: string | null;
}

/** Store the contact for a process about to start; a retried create keeps the first one. */
export async function saveContact(db: Db, workflowId: string, propertyId: string, contact: { name: string; phone?: string | undefined }): Promise<void> {
  await db
    .insert(processContacts)
    .values({ workflowId, propertyId, name: contact.name, phone: contact.phone ?? null })
    .onConflictDoNothing();
}

export async function getContact(db: Db, workflowId: string): Promise<Contact | undefined> {
  const [row] = await db.select({ name: processContacts.name, phone: processContacts.phone }).from(processContacts).where(eq(processContacts.workflowId, workflowId));
  return row;
}
