#pragma once

#include "chatclient.h"

#include <QDialog>

class QButtonGroup;
class QLabel;
class QPushButton;

namespace Confab::Ui {

//! A chat's disappearing messages (PROTOCOL.md §17): off, or one of a few times after which its
//! messages are deleted for everyone, within what the server allows. Read-only, saying why, for
//! someone who may not change it. Waits for the server's answer and reports a refusal in place.
//! GUI thread.
class RetentionDialog final : public QDialog
{
    Q_OBJECT
public:
    RetentionDialog(Client::ChatClient *client, quint64 conversationId, QWidget *parent = nullptr);

    //! The times offered, in days (0: off): the usual ones, and the chat's own if it is another.
    [[nodiscard]] static QList<int> choices(int current);
    //! Whether a server allows that time for a chat (0, off, always).
    [[nodiscard]] static bool isAllowed(int days, int minDays, int maxDays);
    //! The choice ticked now, in days.
    [[nodiscard]] int chosenDays() const;
    //! Ticks a choice (as a click would); false when it is not offered or not allowed.
    bool choose(int days);
    [[nodiscard]] QPushButton *saveButton() const { return m_save; }
    [[nodiscard]] QLabel *statusLabel() const { return m_status; }

private:
    void save();
    void updateButtons();

    Client::ChatClient *const m_client;
    const quint64 m_conversationId;
    int m_current = 0; //!< the chat's own setting as stored
    bool m_allowed = false;
    bool m_waiting = false;
    QButtonGroup *m_group = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_save = nullptr;
};

} // namespace Confab::Ui
