#pragma once

#include <QDialog>

class QLineEdit;
class QListWidget;

namespace Confab::Client {
class ChatClient;
class ConversationListModel;
} // namespace Confab::Client

namespace Confab::Ui {

//! Ctrl+K: search every message in the local cache, as you type. Results show the chat and a
//! snippet with the matches highlighted; Enter or a click jumps to the message.
class SearchDialog final : public QDialog
{
    Q_OBJECT
public:
    SearchDialog(Client::ChatClient *client, Client::ConversationListModel *conversations,
                 QWidget *parent = nullptr);

    QLineEdit *field() const { return m_field; }
    QListWidget *results() const { return m_results; }

Q_SIGNALS:
    void messageChosen(quint64 conversationId, quint64 seq);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void search(const QString &text);
    void choose();

    Client::ChatClient *const m_client;
    Client::ConversationListModel *const m_conversations;
    QLineEdit *m_field;
    QListWidget *m_results;
};

} // namespace Confab::Ui
